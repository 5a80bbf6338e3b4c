//! A tiny scripted HTTP/1.1 server on loopback, for what httpmock cannot do: a different answer per request,
//! answers that stall or drop part-way, and counting requests in flight.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A complete response after `delay`.
    Respond {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
        /// Wait before answering.
        delay: Duration,
    },
    /// Headers promising `promised` bytes, `sent` of the body, then silence until the client gives up.
    StallMidBody {
        /// Content-Length announced.
        promised: usize,
        /// Bytes actually sent.
        sent: String,
    },
    /// Read the request and never answer.
    Silence,
    /// Read the request and close the connection.
    Drop,
}

impl Answer {
    /// A JSON response with no delay.
    pub fn json(status: u16, body: &str) -> Self {
        Answer::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// Adds a header to a `Respond` answer.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Answer::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Delays a `Respond` answer.
    pub fn after(mut self, wait: Duration) -> Self {
        if let Answer::Respond { delay, .. } = &mut self {
            *delay = wait;
        }
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request line and headers.
    pub head: String,
    /// The request body.
    pub body: String,
}

impl Seen {
    /// `METHOD /path?query` from the request line.
    pub fn request_line(&self) -> String {
        self.head
            .lines()
            .next()
            .map(|line| {
                line.rsplit_once(' ')
                    .map_or(line, |(start, _)| start)
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The value of header `name`, if sent.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// The server: answers the n-th request with the n-th answer (the last one repeats).
pub struct ScriptedServer {
    /// `http://127.0.0.1:port`.
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    max_in_flight: Arc<AtomicUsize>,
}

impl ScriptedServer {
    /// Starts the server on an ephemeral loopback port.
    pub async fn start(script: Vec<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind loopback: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let counter = Arc::new(AtomicUsize::new(0));
        {
            let seen = seen.clone();
            let max_in_flight = max_in_flight.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let seen = seen.clone();
                    let script = script.clone();
                    let counter = counter.clone();
                    let in_flight = in_flight.clone();
                    let max_in_flight = max_in_flight.clone();
                    tokio::spawn(async move {
                        let Some((head, body)) = read_request(&mut stream).await else {
                            return;
                        };
                        let index = counter.fetch_add(1, Ordering::SeqCst);
                        if let Ok(mut list) = seen.lock() {
                            list.push(Seen { head, body });
                        }
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        max_in_flight.fetch_max(now, Ordering::SeqCst);
                        let answer = script
                            .get(index)
                            .or_else(|| script.last())
                            .cloned()
                            .unwrap_or(Answer::Drop);
                        answer_with(&mut stream, answer).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            });
        }
        Self {
            base_url: format!("http://{address}"),
            seen,
            max_in_flight,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    /// The most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let mut body = buffer[end + 4..].to_vec();
            while body.len() < length {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..read]);
            }
            return Some((head, String::from_utf8_lossy(&body).to_string()));
        }
    }
}

async fn answer_with(stream: &mut tokio::net::TcpStream, answer: Answer) {
    match answer {
        Answer::Respond {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.flush().await;
        }
        Answer::StallMidBody { promised, sent } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {promised}\r\n\r\n{sent}"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Answer::Silence => tokio::time::sleep(Duration::from_secs(30)).await,
        Answer::Drop => {}
    }
}
