//! A small but real SMTP server for tests: it speaks the protocol over TCP,
//! keeps every message it accepts, and can be told to go down after a number
//! of messages, as a mail server failing mid-way would.
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::watch,
    task::JoinHandle,
};

pub struct SmtpServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SmtpServer {
    /// Listens on `addr` (port 0 for any); after `accept_at_most` messages,
    /// stops listening and drops every connection.
    pub async fn start(addr: SocketAddr, accept_at_most: Option<usize>) -> SmtpServer {
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the test SMTP server");
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = watch::channel(false);
        let task = {
            let received = received.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { break };
                            let received = received.clone();
                            let stop = stop.clone();
                            let mut stopped = stop.subscribe();
                            tokio::spawn(async move {
                                tokio::select! {
                                    _ = session(socket, received, stop, accept_at_most) => {}
                                    _ = stopped.wait_for(|s| *s) => {}
                                }
                            });
                        }
                        _ = stopped.wait_for(|s| *s) => break,
                    }
                }
            })
        };
        SmtpServer {
            addr,
            received,
            stop,
            task,
        }
    }

    /// Every message accepted so far, as sent on the wire.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    pub async fn stop(self) -> Vec<String> {
        let _ = self.stop.send(true);
        let received = self.received.clone();
        let _ = self.task.await;
        let received = received.lock().unwrap().clone();
        received
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<String>>>,
    stop: watch::Sender<bool>,
    accept_at_most: Option<usize>,
) {
    let (reader, mut writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    let _ = writer.write_all(b"220 test.smtp ESMTP ready\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 test.smtp\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                let _ = writer
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    message.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                    message.push('\n');
                }
                let count = {
                    let mut received = received.lock().unwrap();
                    received.push(message);
                    received.len()
                };
                let _ = writer.write_all(b"250 OK queued\r\n").await;
                if accept_at_most.is_some_and(|limit| count >= limit) {
                    let _ = stop.send(true);
                    return;
                }
                continue;
            }
            "QUIT" => {
                let _ = writer.write_all(b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Undoes quoted-printable encoding, as a mail reader would.
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "").replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
