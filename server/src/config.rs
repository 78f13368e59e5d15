//! Settings: built-in defaults, then a TOML file, then `FIXLINE__SECTION__KEY` environment
//! variables (e.g. `FIXLINE__SERVER__LISTEN=0.0.0.0:8080`), then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use fixline_core::receipt::ReceiptSettings;
use fixline_core::sla::SlaPolicy;
use fixline_core::zone::ServiceArea;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    /// The service area's IANA time zone (default `Asia/Shanghai`) and regions that keep their
    /// own: every day and every time a person sees is local to it.
    #[serde(default)]
    pub service_area: ServiceArea,
    /// SLA targets per priority and contract tier, which tiers' clocks run in business hours,
    /// and the business-hours calendar (`[sla.calendar.week]`, mainland China's holidays built in).
    pub sla: SlaPolicy,
    /// iCalendar files of public holidays and make-up working days added to the SLA calendar:
    /// another country's, or a year Fixline does not ship yet.
    #[serde(default)]
    pub holiday_files: Vec<PathBuf>,
    /// Complaint deadlines per severity, in business hours.
    #[serde(default)]
    pub complaints: fixline_core::complaint::ComplaintPolicy,
    /// Which finished jobs the desk calls back (回访): how far back, and the random share.
    #[serde(default)]
    pub return_visits: fixline_core::return_visit::ReturnVisitRules,
    /// The weekly QA sample: jobs per engineer, and what counts as a risk signal.
    #[serde(default)]
    pub quality: fixline_core::quality::QaRules,
    /// The dispatch optimiser: travel speed, default job length, time limit.
    #[serde(default)]
    pub dispatch: crate::ops::planning::DispatchConfig,
    /// Receipts: brand, pricing, the customer link's base URL, the font.
    #[serde(default)]
    pub receipts: ReceiptConfig,
    /// Where photos and receipt PDFs are kept.
    #[serde(default)]
    pub storage: StorageConfig,
    /// SMTP for e-mailing receipts and notices; none: nothing is e-mailed.
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// An SMS provider for texting customers; none: nothing is texted.
    #[serde(default)]
    pub sms: Option<crate::sms::SmsConfig>,
    /// The WeChat official account that answers followers who asked there; none: nothing is
    /// sent on WeChat.
    #[serde(default)]
    pub wechat: Option<crate::wechat::WechatConfig>,
    /// Telling customers: the worker, how often it looks, quiet hours.
    #[serde(default)]
    pub notify: crate::notify::NotifyConfig,
    /// A geocoding service for sites' positions; none: the desk places sites by hand.
    #[serde(default)]
    pub geocoding: Option<crate::geocode::GeocodingConfig>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReceiptConfig {
    #[serde(flatten)]
    pub settings: ReceiptSettings,
    /// The address customers reach this server at, e.g. `https://service.example.cn`; the
    /// receipt's QR code and e-mails link there. Default: `http://` + the listen address.
    #[serde(default)]
    pub public_url: Option<String>,
    /// A CJK font (`.ttc`/`.otf`) for receipts the server makes; default: Noto Sans CJK.
    #[serde(default)]
    pub font: Option<PathBuf>,
    /// The brand logo (PNG) printed on receipts; sent to devices with the settings.
    #[serde(default)]
    pub logo: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageConfig {
    /// Default: a folder beside the database, `<database>.blobs`.
    #[serde(default)]
    pub blob_dir: Option<PathBuf>,
    /// Keep blobs in an S3-compatible bucket instead of `blob_dir`: what several servers share.
    #[serde(default)]
    pub s3: Option<crate::blobs::S3Bucket>,
    /// Largest photo or receipt accepted, in bytes.
    pub max_blob_bytes: u64,
    /// Photos the server decodes at once (each can take a few hundred MB while it does).
    pub photo_decodes: usize,
    /// Unfinished uploads one user may have at a time, in bytes.
    pub partial_quota_bytes: u64,
    /// Unfinished uploads that have not grown for this long are removed.
    pub partial_max_age_hours: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            blob_dir: None,
            s3: None,
            max_blob_bytes: 32 * 1024 * 1024,
            photo_decodes: 2,
            partial_quota_bytes: 256 * 1024 * 1024,
            partial_max_age_hours: 24,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    /// The From address, e.g. `Fixline 售后 <service@example.cn>`.
    pub from: String,
    /// `starttls` (port 587), `tls` (port 465) or `none` (a relay on a trusted network).
    #[serde(default = "default_security")]
    pub security: MailSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// A CA certificate (PEM) the mail server's certificate is checked against besides the
    /// built-in roots: a company relay with its own CA. Never a switch to skip the check.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    Starttls,
    Tls,
    None,
}

fn default_security() -> MailSecurity {
    MailSecurity::Starttls
}

impl Config {
    /// The folder blobs are kept in.
    pub fn blob_dir(&self) -> PathBuf {
        self.storage.blob_dir.clone().unwrap_or_else(|| {
            let mut name = self.database.path.as_os_str().to_owned();
            name.push(".blobs");
            PathBuf::from(name)
        })
    }

    /// A page of this server as a customer reaches it (`path` starts with `/`).
    fn public_link(&self, path: &str) -> String {
        let base = match &self.receipts.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.server.listen),
        };
        format!("{base}{path}")
    }

    /// The customer's link for a receipt token.
    pub fn receipt_link(&self, token: &str) -> String {
        self.public_link(&format!("/r/{token}"))
    }

    /// The customer's link to follow a request, from request to survey.
    pub fn tracking_link(&self, token: &str) -> String {
        self.public_link(&format!("/t/{token}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// How far ahead of the server's clock a device-reported time may be, in seconds.
    pub max_clock_skew_secs: i64,
    /// A client gets this long to send a request's headers, and to send its body (a photo over
    /// a slow mobile link takes minutes), before the connection is closed: a stalled client
    /// cannot hold connections open.
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    /// On shutdown, how long open connections get to finish.
    pub drain_secs: u64,
    /// The built UI (`src-ui/dist`, made by `cargo xtask ui`), served at `/app/`; none: no UI.
    #[serde(default)]
    pub ui_dir: Option<PathBuf>,
    /// Reverse proxies in front of the server (nginx on the same machine: `["127.0.0.1"]`).
    /// From these, the client's address is the last one in `X-Forwarded-For` that is not a
    /// proxy; from anyone else the header is ignored (a client cannot pick its own address
    /// to slip past the sign-in lockout). Empty: the connection's address, always.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseConfig {
    /// The SQLite database file, unless `url` names a PostgreSQL database.
    pub path: PathBuf,
    /// `postgres://user:password@host:port/database`: one database for several servers.
    #[serde(default)]
    pub url: Option<String>,
}

impl DatabaseConfig {
    /// `--db`: a `postgres://` (or `postgresql://`) URL, else a SQLite file.
    pub fn set(&mut self, db: &str) {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            self.url = Some(db.to_owned());
        } else {
            self.path = PathBuf::from(db);
            self.url = None;
        }
    }

    /// The database as a person may be shown it: the file, or the URL without its password.
    pub fn describe(&self) -> String {
        match &self.url {
            None => self.path.display().to_string(),
            Some(url) => match url.split_once("://").and_then(|(scheme, rest)| {
                let (credentials, host) = rest.rsplit_once('@')?;
                let user = credentials.split(':').next().unwrap_or_default();
                Some(format!("{scheme}://{user}@{host}"))
            }) {
                Some(shown) => shown,
                None => url.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthConfig {
    /// Lifetime of a bearer token. Engineers work offline for days, so it is long.
    pub token_ttl_hours: i64,
    /// Wrong passwords in a row that lock a user name for `lockout_minutes`.
    pub lockout_after: u32,
    /// Wrong passwords from one address, for any user names, that lock the address.
    pub address_lockout_after: u32,
    pub lockout_minutes: i64,
    /// Threads that check passwords, each holding argon2's memory (19 MiB) for good.
    pub password_workers: usize,
    /// Sign-ins that may wait for a password thread; more are answered "busy" (503).
    pub password_queue: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                max_body_bytes: 1024 * 1024,
                max_clock_skew_secs: 600,
                header_timeout_secs: 10,
                body_timeout_secs: 300,
                drain_secs: 10,
                ui_dir: None,
                trusted_proxies: Vec::new(),
            },
            database: DatabaseConfig {
                path: PathBuf::from("fixline.db"),
                url: None,
            },
            auth: AuthConfig {
                token_ttl_hours: 24 * 14,
                lockout_after: 5,
                address_lockout_after: 50,
                lockout_minutes: 15,
                password_workers: 2,
                password_queue: 64,
            },
            service_area: ServiceArea::default(),
            sla: SlaPolicy::default(),
            holiday_files: Vec::new(),
            complaints: Default::default(),
            return_visits: Default::default(),
            quality: Default::default(),
            dispatch: crate::ops::planning::DispatchConfig::default(),
            receipts: ReceiptConfig::default(),
            storage: StorageConfig::default(),
            mail: None,
            sms: None,
            wechat: None,
            geocoding: None,
            notify: crate::notify::NotifyConfig::default(),
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

impl Config {
    /// Reads the holiday files into the SLA calendar. Returns what each file left out (timed
    /// or recurring events) for the log; a file that cannot be read stops the start, naming it.
    pub fn read_holiday_files(&mut self) -> Result<Vec<String>, String> {
        let mut skipped = Vec::new();
        for file in self.holiday_files.clone() {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("reading holiday file {}: {e}", file.display()))?;
            let mut import = fixline_core::calendar::IcsImport::read(&text)
                .map_err(|e| format!("holiday file {}: {e}", file.display()))?;
            skipped.extend(
                import
                    .skipped
                    .drain(..)
                    .map(|s| format!("{}: {s}", file.display())),
            );
            import
                .source
                .get_or_insert_with(|| file.display().to_string());
            import.merge_into(&mut self.sla.calendar);
        }
        self.sla.calendar = self
            .sla
            .calendar
            .clone()
            .validated()
            .map_err(|e| format!("[sla.calendar] {e}"))?;
        Ok(skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_names_a_sqlite_file_or_a_postgres_url_shown_without_its_password() {
        let mut db = Config::default().database;
        db.set("postgres://fixline:s3cret@db.example:5432/fixline");
        assert_eq!(db.describe(), "postgres://fixline@db.example:5432/fixline");
        assert_eq!(db.path, PathBuf::from("fixline.db"));
        db.set("postgresql://db.example/fixline");
        assert_eq!(db.describe(), "postgresql://db.example/fixline");
        db.set("/var/lib/fixline/fixline.db");
        assert_eq!(db.url, None);
        assert_eq!(db.describe(), "/var/lib/fixline/fixline.db");
    }

    #[test]
    fn holiday_files_join_the_calendar_and_working_hours_come_from_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let ics = dir.path().join("cn-2027.ics");
        std::fs::write(
            &ics,
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\n\
             SUMMARY:元旦\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        let file = dir.path().join("fixline.toml");
        std::fs::write(
            &file,
            format!(
                "holiday_files = [{:?}]\n[sla.calendar.week]\nsat = [\"09:00-12:00\"]\n",
                ics.display().to_string()
            ),
        )
        .unwrap();
        let mut config = Config::load(Some(&file)).unwrap();
        assert!(config.read_holiday_files().unwrap().is_empty());
        let calendar = &config.sla.calendar;
        let new_year: chrono::NaiveDate = "2027-01-01".parse().unwrap();
        assert!(calendar.hours_on(new_year).spans().is_empty());
        assert_eq!(
            calendar.week.sat.minutes(),
            180,
            "Saturday mornings from the file"
        );
        assert_eq!(
            calendar.week.mon.minutes(),
            540,
            "the rest of the week kept"
        );
        assert!(calendar.days.len() > 30, "the shipped 2026 days stay");

        std::fs::write(&ics, "not a calendar").unwrap();
        let mut config = Config::load(Some(&file)).unwrap();
        let e = config.read_holiday_files().unwrap_err();
        assert!(
            e.contains("cn-2027.ics") && e.contains("not an iCalendar file"),
            "{e}"
        );
    }

    #[test]
    fn automatic_assignment_is_switched_on_per_category_and_region_in_the_settings_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fixline.toml");
        std::fs::write(
            &file,
            r#"
[dispatch.auto_assign]
max_open_jobs = 4
rules = [
  { category = "refrigeration", enabled = true },
  { category = "refrigeration", region = "萧山区", enabled = false },
]
"#,
        )
        .unwrap();
        let config = Config::load(Some(&file)).unwrap();
        let policy = &config.dispatch.auto_assign;
        assert_eq!(policy.max_open_jobs, 4);
        assert!(policy.applies("refrigeration", "西湖区"));
        assert!(!policy.applies("refrigeration", "萧山区"));
        assert!(!policy.applies("laundry", "西湖区"));
        // Off by default.
        assert!(Config::default().dispatch.auto_assign.rules.is_empty());
    }
}
