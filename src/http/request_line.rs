//! Raw UTF-8 in a request line (`GET /listings?q=动力电池`, as curl sends what it is given)
//! gets a problem body saying what to do, not actix-http's bare 400: its parser (the `http`
//! 0.2 URI) refuses any byte beyond ASCII before a route or middleware of ours could answer.
//!
//! So the connection is read through [`RequestLine`], which percent-encodes such bytes in the
//! first request line of a connection and adds a header naming the parameter they were in;
//! [`refuse_unencoded`] then answers 400 with that parameter. The request is refused, not
//! served: a client that sends unencoded bytes may mean another encoding (GBK), and would have
//! the same fault on any other server. Later requests on a kept-alive connection are passed as
//! they come (telling where one ends would mean parsing bodies); clients that send raw bytes
//! are one-shot tools, and a browser always encodes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::language;
use super::not_percent_encoded;
use crate::domain::FieldError;
use crate::error::AppError;

/// Added to a request whose line held raw bytes beyond ASCII; its value is the parameter they
/// were in (`path` when in the path), percent-encoded.
pub const UNENCODED: &str = "x-techmarket-unencoded";

/// A request line longer than this is passed on untouched (actix refuses it anyway).
const LINE_MAX: usize = 16 * 1024;

enum Reading {
    /// Collecting the connection's first request line.
    Line(Vec<u8>),
    /// Handing out the rewritten line, then whatever follows.
    Through,
}

/// A connection whose first request line is rewritten as the module says; writes go through.
pub struct RequestLine<T> {
    io: T,
    reading: Reading,
    pending: Vec<u8>,
    handed: usize,
}

impl<T> RequestLine<T> {
    pub fn new(io: T) -> Self {
        Self {
            io,
            reading: Reading::Line(Vec::new()),
            pending: Vec::new(),
            handed: 0,
        }
    }
}

/// The line (ending in `\n`) with every byte beyond ASCII percent-encoded and the header added
/// after it; `None` when it holds no such byte.
fn rewrite(line: &[u8]) -> Option<Vec<u8>> {
    if line.is_ascii() {
        return None;
    }
    let target = line.split(|b| *b == b' ').nth(1).unwrap_or_default();
    let field = match target.iter().position(|b| *b == b'?') {
        Some(q) if !target[..q].is_ascii() => "path".to_string(),
        Some(q) => not_percent_encoded(&String::from_utf8_lossy(&target[q + 1..]))
            .unwrap_or_else(|| "query".into()),
        None => "path".to_string(),
    };
    let end = line.len() - usize::from(line.ends_with(b"\r\n")) - 1;
    let mut out = Vec::with_capacity(line.len() * 3 + 64);
    for &b in &line[..end] {
        if b.is_ascii() {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(UNENCODED.as_bytes());
    out.extend_from_slice(b": ");
    for b in field.bytes() {
        if b.is_ascii_alphanumeric() || b"_-.[]".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
    Some(out)
}

impl<T: AsyncRead + Unpin> AsyncRead for RequestLine<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.handed < this.pending.len() {
                let n = buf.remaining().min(this.pending.len() - this.handed);
                buf.put_slice(&this.pending[this.handed..this.handed + n]);
                this.handed += n;
                if this.handed == this.pending.len() {
                    this.pending = Vec::new();
                    this.handed = 0;
                }
                return Poll::Ready(Ok(()));
            }
            let Reading::Line(line) = &mut this.reading else {
                return Pin::new(&mut this.io).poll_read(cx, buf);
            };
            let mut chunk = [0u8; 4096];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.io).poll_read(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => {}
            }
            let filled = read.filled();
            let eof = filled.is_empty();
            line.extend_from_slice(filled);
            let newline = line.iter().position(|b| *b == b'\n');
            if newline.is_none() && !eof && line.len() < LINE_MAX {
                continue;
            }
            let mut bytes = std::mem::take(line);
            this.reading = Reading::Through;
            if let Some(at) = newline {
                if let Some(mut rewritten) = rewrite(&bytes[..=at]) {
                    rewritten.extend_from_slice(&bytes[at + 1..]);
                    bytes = rewritten;
                }
            }
            if bytes.is_empty() {
                return Poll::Ready(Ok(()));
            }
            this.pending = bytes;
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for RequestLine<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// 400 for a request [`RequestLine`] marked, naming the parameter; others pass.
pub async fn refuse_unencoded(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(field) = req.headers().get(UNENCODED) {
        let field = field.to_str().unwrap_or("query");
        let field = percent_decoded(field);
        return Err(AppError::BadRequest {
            detail: language::NOT_PERCENT_ENCODED.into(),
            errors: vec![FieldError::new(field, language::ENCODE_NON_ASCII)],
        }
        .into());
    }
    next.call(req).await
}

fn percent_decoded(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    use super::*;

    async fn through(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        RequestLine::new(input).read_to_end(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn an_ascii_request_passes_unchanged() {
        let request = b"GET /api/v1/listings?q=%E5%8A%A8 HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(through(request).await, request);
        assert_eq!(through(b"").await, b"");
    }

    #[tokio::test]
    async fn raw_bytes_are_encoded_and_their_parameter_named() {
        let request =
            "GET /api/v1/listings?limit=5&q=动力 HTTP/1.1\r\nHost: x\r\n\r\nGET /動 HTTP/1.1\r\n";
        let out = String::from_utf8(through(request.as_bytes()).await).unwrap();
        assert_eq!(
            out,
            "GET /api/v1/listings?limit=5&q=%E5%8A%A8%E5%8A%9B HTTP/1.1\r\n\
             x-techmarket-unencoded: q\r\nHost: x\r\n\r\nGET /動 HTTP/1.1\r\n"
        );
        let out = through("GET /市场 HTTP/1.1\r\n\r\n".as_bytes()).await;
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("\r\nx-techmarket-unencoded: path\r\n"));
    }

    #[test]
    fn a_parameter_named_beyond_ascii_is_encoded_in_the_header() {
        let line = rewrite("GET /s?名=1 HTTP/1.1\r\n".as_bytes()).unwrap();
        let text = String::from_utf8(line).unwrap();
        assert!(
            text.ends_with("x-techmarket-unencoded: %E5%90%8D\r\n"),
            "{text}"
        );
        assert_eq!(percent_decoded("%E5%90%8D"), "名");
    }
}
