//! Settings: built-in defaults, then a TOML file, then `FIXLINE__SECTION__KEY` environment
//! variables (e.g. `FIXLINE__SERVER__LISTEN=0.0.0.0:8080`), then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use fixline_core::sla::SlaPolicy;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    /// SLA targets per priority and contract tier.
    pub sla: SlaPolicy,
    /// The dispatch optimiser: local time offset, travel speed, default job length, time limit.
    #[serde(default)]
    pub dispatch: crate::planning::DispatchConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// How far ahead of the server's clock a device-reported time may be, in seconds.
    pub max_clock_skew_secs: i64,
    /// The built UI (`src-ui/dist`, made by `cargo xtask ui`), served at `/app/`; none: no UI.
    #[serde(default)]
    pub ui_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseConfig {
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthConfig {
    /// Lifetime of a bearer token. Engineers work offline for days, so it is long.
    pub token_ttl_hours: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                max_body_bytes: 1024 * 1024,
                max_clock_skew_secs: 600,
                ui_dir: None,
            },
            database: DatabaseConfig {
                path: PathBuf::from("fixline.db"),
            },
            auth: AuthConfig {
                token_ttl_hours: 24 * 14,
            },
            sla: SlaPolicy::default(),
            dispatch: crate::planning::DispatchConfig::default(),
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("FIXLINE__").split("__"))
            .extract()
            .map_err(Box::new)
    }
}
