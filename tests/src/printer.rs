//! A receipt printer on a TCP port for tests: takes one job per connection, answers the status
//! request at its end like an online printer, and hands the bytes to the test. It can also be
//! told to hang up after some bytes, as a printer switched off mid-job, or to leave its first
//! job unanswered, as a printer still printing when the app is killed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

pub struct TestPrinter {
    pub port: u16,
    pub jobs: mpsc::Receiver<Vec<u8>>,
}

impl TestPrinter {
    /// `hang_up_after`: close the connection once this many bytes have arrived.
    pub fn start(hang_up_after: Option<usize>) -> TestPrinter {
        Self::run(hang_up_after, false)
    }

    /// A printer whose first job never gets its status answer (it is still "printing" when
    /// the app is killed); that job's bytes arrive on `jobs` as soon as they are all in. Later
    /// jobs print normally.
    pub fn stalling_first() -> TestPrinter {
        Self::run(None, true)
    }

    fn run(hang_up_after: Option<usize>, stall_first: bool) -> TestPrinter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind printer");
        let port = listener.local_addr().expect("addr").port();
        let (tx, jobs) = mpsc::channel();
        std::thread::spawn(move || {
            for (n, mut stream) in listener.incoming().flatten().enumerate() {
                let stall = stall_first && n == 0;
                let mut job = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => job.extend_from_slice(&buf[..n]),
                    }
                    if hang_up_after.is_some_and(|limit| job.len() >= limit) {
                        break;
                    }
                    if job.ends_with(&fixline_print::link::STATUS_REQUEST) {
                        if stall {
                            // Everything is in; keep the line open and say nothing.
                            let _ = tx.send(std::mem::take(&mut job));
                            continue;
                        }
                        let _ = stream.write_all(&[0x12]);
                    }
                }
                if !stall {
                    let _ = tx.send(job);
                }
            }
        });
        TestPrinter { port, jobs }
    }
}
