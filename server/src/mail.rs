//! E-mail over SMTP (lettre): receipts with their PDF attached, and the customer notices.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailSecurity};
use crate::error::{Error, Result};

/// One e-mail, with a PDF attached or not.
#[derive(Debug)]
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: String,
    pub body: String,
    /// File name and bytes.
    pub pdf: Option<(String, Vec<u8>)>,
    /// A stable Message-ID (a notice's id), so a mailbox can drop a copy sent twice.
    pub message_id: Option<String>,
}

fn bad_address(what: &str, e: impl std::fmt::Display) -> Error {
    Error::bad_request(
        "invalid_email",
        format!("{what} is not an e-mail address: {e}"),
    )
}

/// Sends the message; an SMTP refusal or an unreachable server is an error the caller records.
pub async fn send(config: &MailConfig, mail: Mail<'_>) -> Result<()> {
    let to: Mailbox = mail.to.parse().map_err(|e| bad_address(mail.to, e))?;
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| bad_address(&config.from, e))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject)
        .message_id(mail.message_id);
    let message = match mail.pdf {
        Some((file_name, pdf)) => builder.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.body))
                .singlepart(
                    Attachment::new(file_name)
                        .body(pdf, ContentType::parse("application/pdf").expect("valid")),
                ),
        ),
        None => builder.singlepart(SinglePart::plain(mail.body)),
    }
    .map_err(|e| Error::Internal(format!("building the e-mail: {e}")))?;
    let smtp_error = |e: lettre::transport::smtp::Error| {
        Error::bad_request_with_status(
            axum::http::StatusCode::BAD_GATEWAY,
            "mail_failed",
            format!("the mail server did not take the message: {e}"),
        )
    };
    let tls = match (&config.ca_file, config.security) {
        (_, MailSecurity::None) => None,
        (None, _) => None,
        (Some(ca), security) => {
            let pem = std::fs::read(ca).map_err(|e| {
                Error::Internal(format!("reading the mail CA {}: {e}", ca.display()))
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|e| {
                Error::Internal(format!(
                    "the mail CA {} is not a PEM certificate: {e}",
                    ca.display()
                ))
            })?;
            let params = TlsParameters::builder(config.smtp_host.clone())
                .add_root_certificate(certificate)
                .build()
                .map_err(smtp_error)?;
            Some(match security {
                MailSecurity::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            })
        }
    };
    let mut builder = match (config.security, tls) {
        (_, Some(tls)) => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host).tls(tls)
        }
        (MailSecurity::Starttls, None) => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)
                .map_err(smtp_error)?
        }
        (MailSecurity::Tls, None) => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host).map_err(smtp_error)?
        }
        (MailSecurity::None, None) => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
        }
    }
    .port(config.smtp_port)
    .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map(drop)
        .map_err(smtp_error)
}
