//! The real SMTP server of the mail tests and the mail bench (aiosmtpd, `sink.py`, from the
//! virtualenv scripts/test installs), keeping each message it accepts as a file in a folder.
//! Stopped when dropped. Shared by both through `#[path]`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct SmtpServer {
    child: Child,
}

impl SmtpServer {
    pub fn start(port: u16, folder: &Path) -> SmtpServer {
        Self::start_with(port, folder, &[])
    }

    /// With `sink.py`'s options: `--tls CERT KEY`, `--auth USER:PASSWORD`.
    pub fn start_with(port: u16, folder: &Path, options: &[&str]) -> SmtpServer {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join("target/smtp-venv/bin/python");
        assert!(
            python.exists(),
            "the test SMTP server is not installed: run scripts/test (it installs aiosmtpd into target/smtp-venv)"
        );
        let mut child = Command::new(python)
            .arg(root.join("tests/smtp/sink.py"))
            .arg(port.to_string())
            .arg(folder)
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        SmtpServer { child }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
