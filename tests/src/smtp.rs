//! A local SMTP server for tests: speaks enough of RFC 5321 for a client to deliver, and hands
//! each message's raw bytes to the test.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub struct SmtpSink {
    pub port: u16,
    pub messages: mpsc::UnboundedReceiver<Delivered>,
    open: Arc<AtomicBool>,
}

/// One delivered message: the envelope and the raw message.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
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
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let (tx, messages) = mpsc::unbounded_channel();
        let open = Arc::new(AtomicBool::new(false));
        let serving = open.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if !serving.load(Ordering::SeqCst) {
                    let _ = socket
                        .write_all(b"421 4.3.2 service not available\r\n")
                        .await;
                    continue;
                }
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _ = session(socket, tx).await;
                });
            }
        });
        SmtpSink {
            port,
            messages,
            open,
        }
    }

    /// A server's configuration sending its notices here, trying each once (so a failure is a
    /// dead letter at once) and looking every second.
    pub fn configure(&self) -> impl FnOnce(&mut fixline_server::Config) + use<> {
        let port = self.port;
        move |c| {
            c.mail = Some(fixline_server::config::MailConfig {
                smtp_host: "127.0.0.1".into(),
                smtp_port: port,
                from: "鑫诚售后 <service@fixline.test>".into(),
                security: fixline_server::config::MailSecurity::None,
                username: None,
                password: None,
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

async fn session(
    socket: tokio::net::TcpStream,
    tx: mpsc::UnboundedSender<Delivered>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 fixline-test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-fixline-test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = line[10..].trim().to_string();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().to_string());
            b"250 OK\r\n"
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if lines.read_until(b'\n', &mut l).await? == 0 {
                    return Ok(());
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
            });
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}
