//! A loopback HTTP/1.1 receiver on plain threads (no tokio, no tracing: nothing it does reaches a subscriber),
//! that records the NDJSON events it accepts and can be switched down (answering 503) and up again.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The headers of one request, names in lowercase.
pub type Headers = Vec<(String, String)>;

/// One OTLP request (`/v1/...`), kept as it came.
#[derive(Clone, Debug)]
pub struct Otlp {
    pub path: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A running receiver; it lives until the test process ends.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    events: Arc<Mutex<Vec<serde_json::Value>>>,
    lines: Arc<Mutex<Vec<String>>>,
    requests: Arc<Mutex<Vec<Headers>>>,
    otlp: Arc<Mutex<Vec<Otlp>>>,
    down: Arc<AtomicBool>,
    /// Requests answered 503 while down.
    pub refused: Arc<AtomicU64>,
}

impl Receiver {
    /// Starts listening on 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let receiver = Self {
            url,
            events: Arc::default(),
            lines: Arc::default(),
            requests: Arc::default(),
            otlp: Arc::default(),
            down: Arc::default(),
            refused: Arc::default(),
        };
        let accepting = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let receiver = accepting.clone();
                std::thread::spawn(move || {
                    let _ = receiver.serve(stream);
                });
            }
        });
        receiver
    }

    /// From now on answers `503` (`true`) or accepts again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The events accepted so far.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.events.lock().expect("lock").clone()
    }

    /// The NDJSON lines accepted so far, as they came.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lock").clone()
    }

    /// The OTLP requests received so far.
    pub fn otlp(&self) -> Vec<Otlp> {
        self.otlp.lock().expect("lock").clone()
    }

    /// The headers of each accepted request (lowercase names).
    pub fn requests(&self) -> Vec<Headers> {
        self.requests.lock().expect("lock").clone()
    }

    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line.trim().is_empty() {
                continue;
            }
            let mut headers = Vec::new();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header)? == 0 {
                    return Ok(());
                }
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    let (name, value) =
                        (name.trim().to_ascii_lowercase(), value.trim().to_string());
                    if name == "content-length" {
                        length = value.parse().unwrap_or(0);
                    }
                    headers.push((name, value));
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body)?;
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let status = if path.starts_with("/v1/") {
                self.otlp.lock().expect("lock").push(Otlp {
                    path,
                    headers,
                    body,
                });
                200
            } else if self.down.load(Ordering::SeqCst) {
                self.refused.fetch_add(1, Ordering::SeqCst);
                503
            } else {
                let encoding = headers
                    .iter()
                    .find(|(name, _)| name == "content-encoding")
                    .map(|(_, value)| value.as_str());
                let body = match encoding {
                    Some("gzip") => {
                        let mut out = Vec::new();
                        flate2::read::GzDecoder::new(&body[..])
                            .read_to_end(&mut out)
                            .expect("gzip body");
                        out
                    }
                    None => body,
                    Some(other) => panic!("unexpected encoding {other}"),
                };
                let text = String::from_utf8(body).expect("UTF-8 body");
                let mut events = self.events.lock().expect("lock");
                let mut lines = self.lines.lock().expect("lock");
                for line in text.lines() {
                    events.push(serde_json::from_str(line).expect("each line is JSON"));
                    lines.push(line.to_string());
                }
                self.requests.lock().expect("lock").push(headers);
                200
            };
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n");
            writer.write_all(reply.as_bytes())?;
        }
    }
}
