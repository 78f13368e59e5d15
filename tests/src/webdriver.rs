//! Driving the real UI like a user: a WebDriver session on headless Chromium (through
//! chromedriver) or on the Tauri app (through tauri-driver and WebKitWebDriver), with the few
//! verbs the end-to-end tests need, and screenshots written where the README says.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
// WebDriver servers here are on loopback: plain HTTP, no TLS stack.
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Where the end-to-end runs leave screenshots of the main screens.
pub fn screenshot_dir() -> PathBuf {
    crate::workspace_root().join("tests/artifacts/screenshots")
}

/// A browser (or app) session with the driver process behind it; the driver stops on drop.
pub struct Session {
    pub client: Client,
    // Fields drop in order: the driver (and the browser it started) before the profile it uses.
    _driver: Driver,
    /// Chromium's profile, removed once the browser is stopped (it writes there until then).
    _profile: Option<tempfile::TempDir>,
}

/// A driver process in its own process group; dropping it stops the group (the driver and the
/// browser or app it started), also when the session could not be opened.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a driver in its own process group, so dropping the session stops what it spawned.
/// Its output (and the app's, under tauri-driver) goes to `tests/artifacts/<program>.log`.
fn spawn_driver(mut command: Command, what: &str) -> Result<Driver> {
    use std::os::unix::process::CommandExt;
    let logs = crate::workspace_root().join("tests/artifacts");
    std::fs::create_dir_all(&logs)?;
    let program = command.get_program().to_string_lossy().into_owned();
    let log = std::fs::File::create(logs.join(format!("{program}.log")))?;
    command
        .process_group(0)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .map(Driver)
        .with_context(|| format!("starting {what}"))
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute`: what the
/// browser's own settings would be on a phone (a granted permission, the location service's fix).
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Opens a WebDriver session, retrying while the driver finishes starting behind its port.
async fn connect(port: u16, caps: serde_json::Value) -> Result<Client> {
    let caps = caps.as_object().cloned().unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Ok(client),
            Err(e) if Instant::now() > deadline => {
                return Err(e).context("opening a WebDriver session");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the WebDriver server did not start listening on port {port}")
}

impl Session {
    /// Headless Debian Chromium at a window size, through chromedriver.
    pub async fn chromium(width: u32, height: u32) -> Result<Session> {
        // Made before the driver, so that on an early return the browser stops before it goes.
        let profile = tempfile::tempdir()?;
        let port = free_port()?;
        let mut command = Command::new("chromedriver");
        command.arg(format!("--port={port}"));
        let driver = spawn_driver(
            command,
            "chromedriver (Debian package chromium-driver; `cargo xtask setup` installs it)",
        )?;
        wait_for_port(port).await?;
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ]
            }
        });
        let client = connect(port, caps).await?;
        Ok(Session {
            client,
            _driver: driver,
            _profile: Some(profile),
        })
    }

    /// Gives the page a location service at `(lat, lon)`, with the permission granted (Chromium
    /// only): the browser's own geolocation then answers the page, as a phone's GPS would.
    pub async fn locate_at(&self, lat: f64, lon: f64) -> Result<()> {
        let origin = self
            .client
            .current_url()
            .await?
            .origin()
            .ascii_serialization();
        self.client
            .issue_cmd(DevTools {
                cmd: "Browser.grantPermissions",
                params: json!({ "origin": origin, "permissions": ["geolocation"] }),
            })
            .await
            .context("granting the location permission")?;
        self.client
            .issue_cmd(DevTools {
                cmd: "Emulation.setGeolocationOverride",
                params: json!({ "latitude": lat, "longitude": lon, "accuracy": 10 }),
            })
            .await
            .context("setting the location")?;
        Ok(())
    }

    /// The Tauri app binary, through tauri-driver (which runs WebKitWebDriver); needs a display.
    /// `env` reaches the app (e.g. `FIXLINE_DEVICE_DB`).
    pub async fn tauri_app(
        app: &std::path::Path,
        env: &[(&str, &std::path::Path)],
    ) -> Result<Session> {
        let port = 4444;
        let mut command = Command::new("tauri-driver");
        command.envs(env.iter().map(|(k, v)| (*k, *v)));
        let driver = spawn_driver(command, "tauri-driver (`cargo xtask setup` installs it)")?;
        wait_for_port(port).await?;
        let caps = json!({
            "browserName": "wry",
            "tauri:options": { "application": app }
        });
        let client = connect(port, caps).await?;
        Ok(Session {
            client,
            _driver: driver,
            _profile: None,
        })
    }

    /// Opens the app at `url`, watches the page for errors and signs in as `username` with the
    /// test password.
    pub async fn sign_in(&self, url: &str, username: &str) -> Result<()> {
        self.client.goto(url).await?;
        self.watch_errors().await?;
        self.fill("#username", username).await?;
        self.fill("#password", crate::PASSWORD).await?;
        self.click("#sign-in").await
    }

    /// Waits (up to 15 s) for an element to be present.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting for {css}"))
    }

    /// Clicks an element after bringing it to the middle of the screen, clear of the sticky
    /// status line, as a user scrolls to what they tap.
    /// An element the page drew again between finding and clicking it (a list reloading as a
    /// search narrows it) is found again, as a user's second look would.
    pub async fn click(&self, css: &str) -> Result<()> {
        let mut attempt = 0;
        loop {
            let element = self.find(css).await?;
            let clicked = async {
                self.client
                    .execute(
                        "arguments[0].scrollIntoView({block: 'center'});",
                        vec![serde_json::to_value(&element)?],
                    )
                    .await?;
                element.click().await?;
                anyhow::Ok(())
            }
            .await;
            match clicked {
                Err(e) if attempt < 5 && format!("{e:#}").contains("stale element") => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other.map_err(|e| anyhow::anyhow!("clicking {css}: {e:?}")),
            }
        }
    }

    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("typing into {css}"))
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css} never showed {needle:?}; last text {last:?}")
    }

    /// Drags with the pointer (down on one element, move, up on another), as a finger or a mouse.
    pub async fn drag(&self, from: &str, to: &str) -> Result<()> {
        self.drag_to(from, to, 0.0).await
    }

    /// Drags onto `to`, released `dx` pixels right of its centre (a time on a board lane).
    pub async fn drag_to(&self, from: &str, to: &str, dx: f64) -> Result<()> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let source = self.find(from).await?;
        // Pointer actions need the element on screen; a long queue scrolls within itself.
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'nearest'});",
                vec![serde_json::to_value(&source)?],
            )
            .await?;
        let target = self.find(to).await?;
        let gesture = MouseActions::new("finger".to_owned())
            .then(PointerAction::MoveToElement {
                element: source,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveToElement {
                element: target,
                duration: Some(Duration::from_millis(300)),
                x: dx,
                y: 0.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client
            .perform_actions(gesture)
            .await
            .with_context(|| format!("dragging {from} onto {to}"))
    }

    /// Draws one stroke on an element with the pointer: `points` are offsets from its centre.
    pub async fn draw(&self, css: &str, points: &[(f64, f64)]) -> Result<()> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let pad = self.find(css).await?;
        // Pointer actions need the element on screen (WebKit does not scroll for them).
        self.client
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                vec![json!(css)],
            )
            .await?;
        let Some((&(x0, y0), rest)) = points.split_first() else {
            return Ok(());
        };
        let mut gesture = MouseActions::new("pen".to_owned())
            .then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: None,
                x: x0,
                y: y0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            });
        for &(x, y) in rest {
            gesture = gesture.then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: Some(Duration::from_millis(40)),
                x,
                y,
            });
        }
        let gesture = gesture.then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
        self.client
            .perform_actions(gesture)
            .await
            .with_context(|| format!("drawing on {css}"))
    }

    /// From now on, keeps what the page logs as an error (a wasm panic is logged there before
    /// the UI stops answering) for [`Session::errors`]. Call after each page load.
    pub async fn watch_errors(&self) -> Result<()> {
        self.client
            .execute(
                "window.__errors = []; const log = console.error; \
                 console.error = (...a) => { window.__errors.push(a.join(' ')); log(...a); }; \
                 window.addEventListener('error', e => window.__errors.push(e.message));",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// What the page logged as an error since [`Session::watch_errors`].
    pub async fn errors(&self) -> Result<Vec<String>> {
        let v = self
            .client
            .execute("return window.__errors || []", vec![])
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    /// Ends the session after checking the page logged no errors.
    pub async fn close_clean(self) -> Result<()> {
        let errors = self.errors().await?;
        if !errors.is_empty() {
            bail!("the page logged errors: {errors:?}");
        }
        self.client.clone().close().await?;
        Ok(())
    }

    /// From now on, records every request the page starts with `fetch` (its URL) and how many
    /// are still under way, for [`Session::requests`] and [`Session::wait_js`].
    pub async fn watch_requests(&self) -> Result<()> {
        self.client
            .execute(
                "window.__requests = []; window.__inFlight = 0; const fetch = window.fetch; \
                 window.fetch = (...a) => { \
                   window.__requests.push(String(a[0] && a[0].url || a[0])); \
                   window.__inFlight++; const p = fetch(...a); \
                   p.finally(() => window.__inFlight--); return p; };",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// The URLs of the requests started since [`Session::watch_requests`].
    pub async fn requests(&self) -> Result<Vec<String>> {
        let v = self
            .client
            .execute("return window.__requests || []", vec![])
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    /// Waits until the script `return`s `true`.
    pub async fn wait_js(&self, script: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.client.execute(script, vec![]).await? == json!(true) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("never true: {script}")
    }

    /// Sets an input's value as a user would, firing `input` so the page sees it.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<()> {
        self.find(css).await?;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await
            .with_context(|| format!("setting {css}"))?;
        Ok(())
    }

    /// Chooses an option of a `<select>` by value, firing `change` as a user's choice does.
    pub async fn set_select(&self, css: &str, value: &str) -> Result<()> {
        self.find(css).await?;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await
            .with_context(|| format!("choosing {value:?} in {css}"))?;
        Ok(())
    }

    /// Waits until exactly `n` elements match.
    pub async fn wait_count(&self, css: &str, n: usize) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = 0;
        while Instant::now() < deadline {
            last = self.client.find_all(Locator::Css(css)).await?.len();
            if last == n {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css}: {last} elements, never {n}")
    }

    /// Waits until the element's attribute has `value`.
    pub async fn wait_attr(&self, css: &str, attr: &str, value: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                last = el.attr(attr).await.ok().flatten();
                if last.as_deref() == Some(value) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // What the screen showed instead (a message, a form still open) says why.
        let shot = format!(
            "failed-wait-{}",
            value.replace(|c: char| !c.is_alphanumeric(), "-")
        );
        let saved = self.screenshot(&shot).await.ok();
        bail!("{css}[{attr}] never became {value:?}; last {last:?}; screen: {saved:?}")
    }

    /// Runs axe-core on the page as it is now and fails with every serious or critical
    /// violation (rule, the elements, what to do). axe-core comes from npm: `cargo xtask test`
    /// installs it and names its script in `FIXLINE_AXE`.
    pub async fn assert_accessible(&self, screen: &str) -> Result<()> {
        let script = std::env::var_os("FIXLINE_AXE")
            .context("FIXLINE_AXE names axe-core's axe.min.js (cargo xtask test sets it)")?;
        let source = std::fs::read_to_string(&script)
            .with_context(|| format!("reading {}", script.to_string_lossy()))?;
        let found = self
            .client
            .execute_async(
                "const [source, done] = arguments; \
                 if (!window.axe) { const s = document.createElement('script'); \
                   s.textContent = source; document.head.appendChild(s); } \
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done( \
                   r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical') \
                    .map(v => `${v.id} (${v.impact}): ${v.help}; on ${v.nodes.slice(0, 5) \
                      .map(n => n.target.join(' ')).join(' | ')}`)), \
                   e => done([`axe failed: ${e}`]));",
                vec![json!(source)],
            )
            .await
            .with_context(|| format!("running axe-core on {screen}"))?;
        let violations: Vec<String> = serde_json::from_value(found)?;
        if !violations.is_empty() {
            bail!(
                "{screen}: {} serious or critical accessibility violations:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
        Ok(())
    }

    /// Fails with every control on screen smaller than a fingertip: buttons, fields, pickers,
    /// and anything with a button's or link's role, at least 44 × 44 CSS pixels (WCAG 2.5.5). A
    /// checkbox or radio counts by its label, the thing a finger hits; links inside running text
    /// are exempt, as WCAG allows.
    pub async fn assert_touch_targets(&self, screen: &str) -> Result<()> {
        let found = self
            .client
            .execute(
                "const small = []; \
                 const controls = document.querySelectorAll( \
                   'button, input, select, textarea, [role=button], [role=link], a.button, nav a'); \
                 for (const el of controls) { \
                   if (el.type === 'hidden' || el.disabled && el.closest('[hidden]')) continue; \
                   const style = getComputedStyle(el); \
                   if (style.display === 'none' || style.visibility === 'hidden') continue; \
                   let target = el; \
                   if ((el.type === 'checkbox' || el.type === 'radio' || el.type === 'file') && el.closest('label')) \
                     target = el.closest('label'); \
                   const r = target.getBoundingClientRect(); \
                   if (r.width === 0 && r.height === 0) continue; \
                   if (r.width < 44 || r.height < 44) { \
                     const name = el.id ? '#' + el.id : el.tagName.toLowerCase() + \
                       (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''); \
                     small.push(`${name} ${Math.round(r.width)}x${Math.round(r.height)}`); \
                   } \
                 } \
                 return small;",
                vec![],
            )
            .await
            .with_context(|| format!("measuring the controls of {screen}"))?;
        let small: Vec<String> = serde_json::from_value(found)?;
        if !small.is_empty() {
            bail!(
                "{screen}: {} controls smaller than 44 x 44 px:\n{}",
                small.len(),
                small.join("\n")
            );
        }
        Ok(())
    }

    /// Saves a screenshot as `<name>.png` in [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // Let the page settle after the last change (WebKit paints late).
        tokio::time::sleep(Duration::from_millis(500)).await;
        let png = self.client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}
