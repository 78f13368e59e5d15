//! A local SMTP server for tests: speaks enough of RFC 5321 for a client to deliver, and hands
//! each message's raw bytes to the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub struct SmtpSink {
    pub port: u16,
    pub messages: mpsc::UnboundedReceiver<Delivered>,
    open: Arc<AtomicBool>,
    /// STARTTLS and a login are required.
    secure: bool,
}

/// One delivered message: the envelope and the raw message, and how it came.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// Over TLS (after STARTTLS).
    pub secure: bool,
    /// Who logged in (AUTH PLAIN), if anyone.
    pub user: Option<String>,
}

/// The login the secure mail server takes.
pub const SMTP_USER: &str = "notices@fixline.test";
pub const SMTP_PASSWORD: &str = "mail-secret";

/// The test certificates (a CA and the server's, for 127.0.0.1), in the repository.
fn tls_fixture(file: &str) -> std::path::PathBuf {
    crate::workspace_root()
        .join("tests/fixtures/smtp-tls")
        .join(file)
}

fn acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(tls_fixture("server.pem"))
        .expect("the test certificate")
        .collect::<Result<Vec<_>, _>>()
        .expect("a PEM certificate");
    let key = PrivateKeyDer::from_pem_file(tls_fixture("server.key")).expect("the test key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the test certificate and key match");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let sink = SmtpSink::start_down().await;
        sink.open();
        sink
    }

    /// A mail server that is down: it holds its port (so nothing else can take it) and answers
    /// every connection "421 service not available" until [`SmtpSink::open`].
    pub async fn start_down() -> SmtpSink {
        let demands = Demands {
            tls: None,
            login: None,
        };
        SmtpSink::listen(demands).await
    }

    /// A mail server as a provider runs one: mail only after STARTTLS (its certificate signed
    /// by the test CA in `tests/fixtures/smtp-tls`) and AUTH PLAIN as [`SMTP_USER`].
    pub async fn start_secure() -> SmtpSink {
        let demands = Demands {
            tls: Some(acceptor()),
            login: Some((SMTP_USER.into(), SMTP_PASSWORD.into())),
        };
        let sink = SmtpSink::listen(demands).await;
        sink.open();
        sink
    }

    async fn listen(demands: Demands) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let (tx, messages) = mpsc::unbounded_channel();
        let open = Arc::new(AtomicBool::new(false));
        let serving = open.clone();
        let secure = demands.tls.is_some();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if !serving.load(Ordering::SeqCst) {
                    let _ = socket
                        .write_all(b"421 4.3.2 service not available\r\n")
                        .await;
                    continue;
                }
                let (tx, demands) = (tx.clone(), demands.clone());
                tokio::spawn(async move {
                    let _ = session(socket, tx, demands).await;
                });
            }
        });
        SmtpSink {
            port,
            messages,
            open,
            secure,
        }
    }

    /// A server's configuration sending its notices here, trying each once (so a failure is a
    /// dead letter at once) and looking every second.
    pub fn configure(&self) -> impl FnOnce(&mut fixline_server::Config) + use<> {
        let (port, secure) = (self.port, self.secure);
        move |c| {
            use fixline_server::config::MailSecurity;
            c.mail = Some(fixline_server::config::MailConfig {
                smtp_host: "127.0.0.1".into(),
                smtp_port: port,
                from: "鑫诚售后 <service@fixline.test>".into(),
                security: if secure {
                    MailSecurity::Starttls
                } else {
                    MailSecurity::None
                },
                username: secure.then(|| SMTP_USER.into()),
                password: secure.then(|| SMTP_PASSWORD.into()),
                ca_file: secure.then(|| tls_fixture("ca.pem")),
            });
            c.notify.enabled = true;
            c.notify.poll_secs = 1;
            c.notify.max_attempts = 1;
        }
    }

    /// The next message's subject, plain-text body and recipients, within 20 s.
    pub async fn next_mail(&mut self) -> (String, String, Vec<String>) {
        let delivered = tokio::time::timeout(Duration::from_secs(20), self.messages.recv())
            .await
            .expect("a message within 20 s")
            .expect("the sink is open");
        let message = mail_parser::MessageParser::default()
            .parse(&delivered.data)
            .expect("a MIME message");
        (
            message.subject().unwrap_or_default().to_owned(),
            message.body_text(0).unwrap_or_default().into_owned(),
            delivered.to,
        )
    }

    /// The mail server comes back.
    pub fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// What the server demands of a client: nothing (a trusted relay), or STARTTLS and then
/// AUTH PLAIN with these credentials before any mail.
#[derive(Clone)]
struct Demands {
    tls: Option<tokio_rustls::TlsAcceptor>,
    login: Option<(String, String)>,
}

/// How a dialog on one stream ended.
enum End {
    Quit,
    /// The client asked for TLS: go on over it.
    StartTls,
}

async fn session(
    socket: tokio::net::TcpStream,
    tx: mpsc::UnboundedSender<Delivered>,
    demands: Demands,
) -> std::io::Result<()> {
    let mut socket = socket;
    socket.write_all(b"220 fixline-test ESMTP\r\n").await?;
    let (end, socket) = dialog(socket, &tx, &demands, false).await?;
    match (end, &demands.tls) {
        (End::StartTls, Some(acceptor)) => {
            let secure = acceptor.accept(socket).await?;
            dialog(secure, &tx, &demands, true).await.map(drop)
        }
        _ => Ok(()),
    }
}

/// One SMTP dialog over `stream` (plain, or TLS once `secure`); gives the stream back when the
/// client asks for STARTTLS.
async fn dialog<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    tx: &mpsc::UnboundedSender<Delivered>,
    demands: &Demands,
    secure: bool,
) -> std::io::Result<(End, S)> {
    let mut lines = BufReader::new(stream);
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut user = None::<String>;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok((End::Quit, lines.into_inner()));
        }
        let upper = line.to_ascii_uppercase();
        let allowed =
            (demands.tls.is_none() || secure) && (demands.login.is_none() || user.is_some());
        let reply: Vec<u8> = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            let mut r = String::from("250-fixline-test\r\n");
            if demands.tls.is_some() && !secure {
                r.push_str("250-STARTTLS\r\n");
            }
            if demands.login.is_some() && (secure || demands.tls.is_none()) {
                r.push_str("250-AUTH PLAIN\r\n");
            }
            r.push_str("250 8BITMIME\r\n");
            r.into_bytes()
        } else if upper.starts_with("STARTTLS") && demands.tls.is_some() && !secure {
            lines
                .get_mut()
                .write_all(b"220 2.0.0 ready to start TLS\r\n")
                .await?;
            return Ok((End::StartTls, lines.into_inner()));
        } else if upper.starts_with("AUTH PLAIN ") {
            // "\0user\0password", base64.
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(line[11..].trim())
                .unwrap_or_default();
            let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
            let given = match parts.as_slice() {
                [_, u, p] => Some((
                    String::from_utf8_lossy(u).into_owned(),
                    String::from_utf8_lossy(p).into_owned(),
                )),
                _ => None,
            };
            if given.is_some() && given == demands.login {
                user = given.map(|(u, _)| u);
                b"235 2.7.0 authenticated\r\n".to_vec()
            } else {
                b"535 5.7.8 bad credentials\r\n".to_vec()
            }
        } else if upper.starts_with("MAIL FROM:") && !allowed {
            b"530 5.7.0 STARTTLS and AUTH first\r\n".to_vec()
        } else if upper.starts_with("MAIL FROM:") {
            from = line[10..].trim().to_string();
            b"250 OK\r\n".to_vec()
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().to_string());
            b"250 OK\r\n".to_vec()
        } else if upper.starts_with("DATA") {
            lines.get_mut().write_all(b"354 go ahead\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if lines.read_until(b'\n', &mut l).await? == 0 {
                    return Ok((End::Quit, lines.into_inner()));
                }
                if l == b".\r\n" {
                    break;
                }
                // Dot-stuffing: a leading ".." stands for ".".
                let l = if l.starts_with(b"..") {
                    &l[1..]
                } else {
                    &l[..]
                };
                data.extend_from_slice(l);
            }
            let _ = tx.send(Delivered {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
                secure,
                user: user.clone(),
            });
            b"250 queued\r\n".to_vec()
        } else if upper.starts_with("QUIT") {
            lines.get_mut().write_all(b"221 bye\r\n").await?;
            return Ok((End::Quit, lines.into_inner()));
        } else {
            b"250 OK\r\n".to_vec()
        };
        lines.get_mut().write_all(&reply).await?;
    }
}
