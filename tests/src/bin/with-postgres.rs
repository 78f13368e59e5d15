//! Runs a command with a throwaway PostgreSQL cluster up, for the end-to-end suite's run on
//! PostgreSQL: `with-postgres cargo test …` starts the cluster, runs the command with
//! `FIXLINE_TEST_STORE=postgres` and `FIXLINE_TEST_POSTGRES` set, stops the cluster, and exits
//! as the command did.

use fixline_tests::postgres::ThrowawayPostgres;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: with-postgres COMMAND [ARGS…]");
        std::process::exit(2);
    };
    let code = {
        let cluster = ThrowawayPostgres::start();
        let status = std::process::Command::new(&program)
            .args(args)
            .env("FIXLINE_TEST_STORE", "postgres")
            .env("FIXLINE_TEST_POSTGRES", &cluster.url)
            .status();
        match status {
            Ok(status) => status.code().unwrap_or(1),
            Err(e) => {
                eprintln!("with-postgres: running {}: {e}", program.to_string_lossy());
                1
            }
        }
        // The cluster stops here, before the exit.
    };
    std::process::exit(code);
}
