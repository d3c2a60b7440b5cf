//! A small but real SMTP server for tests: it speaks the protocol over TCP,
//! keeps every message it accepts, and can be told to go down after a number
//! of messages, as a mail server failing mid-way would. It can also be slow
//! (each reply waits a while) or fall silent (it keeps the connection open
//! and never says another word), as overloaded or broken servers do.
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{tcp::OwnedWriteHalf, TcpListener},
    sync::watch,
    task::JoinHandle,
};

pub struct SmtpServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    silent_from: Arc<Mutex<Option<&'static str>>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// How the server behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// After this many messages, stop listening and drop every connection.
    pub accept_at_most: Option<usize>,
    /// Wait this long before each reply.
    pub reply_delay: Duration,
    /// Fall silent on this command ("" for at once, before the greeting),
    /// until `answer` is called; a connection accepted before then stays so.
    pub silent_from: Option<&'static str>,
}

impl SmtpServer {
    /// Listens on `addr` (port 0 for any); after `accept_at_most` messages,
    /// stops listening and drops every connection.
    pub async fn start(addr: SocketAddr, accept_at_most: Option<usize>) -> SmtpServer {
        Self::start_with(
            addr,
            Behaviour {
                accept_at_most,
                ..Behaviour::default()
            },
        )
        .await
    }

    /// A server that waits `reply_delay` before each reply.
    pub async fn slow(reply_delay: Duration) -> SmtpServer {
        Self::start_with(
            "127.0.0.1:0".parse().unwrap(),
            Behaviour {
                reply_delay,
                ..Behaviour::default()
            },
        )
        .await
    }

    /// A server that accepts connections and never answers.
    pub async fn silent() -> SmtpServer {
        Self::silent_from("").await
    }

    /// A server that answers until it is sent `command`, then never again.
    pub async fn silent_from(command: &'static str) -> SmtpServer {
        Self::start_with(
            "127.0.0.1:0".parse().unwrap(),
            Behaviour {
                silent_from: Some(command),
                ..Behaviour::default()
            },
        )
        .await
    }

    pub async fn start_with(addr: SocketAddr, behaviour: Behaviour) -> SmtpServer {
        let listener = TcpListener::bind(addr)
            .await
            .expect("bind the test SMTP server");
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let silent_from = Arc::new(Mutex::new(behaviour.silent_from));
        let (stop, mut stopped) = watch::channel(false);
        let task = {
            let received = received.clone();
            let connections = connections.clone();
            let silent_from = silent_from.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { break };
                            connections.fetch_add(1, Ordering::SeqCst);
                            let received = received.clone();
                            let stop = stop.clone();
                            let mut stopped = stop.subscribe();
                            let behaviour = Behaviour {
                                silent_from: *silent_from.lock().unwrap(),
                                ..behaviour
                            };
                            tokio::spawn(async move {
                                tokio::select! {
                                    _ = session(socket, received, stop, behaviour) => {}
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
            connections,
            silent_from,
            stop,
            task,
        }
    }

    /// Every message accepted so far, as sent on the wire.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    /// How many connections have been accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// From now on, new connections are answered normally.
    pub fn answer(&self) {
        *self.silent_from.lock().unwrap() = None;
    }

    pub async fn stop(self) -> Vec<String> {
        let _ = self.stop.send(true);
        let received = self.received.clone();
        let _ = self.task.await;
        let received = received.lock().unwrap().clone();
        received
    }
}

async fn reply(writer: &mut OwnedWriteHalf, delay: Duration, text: &[u8]) -> bool {
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    writer.write_all(text).await.is_ok()
}

async fn session(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<String>>>,
    stop: watch::Sender<bool>,
    behaviour: Behaviour,
) {
    let delay = behaviour.reply_delay;
    let (reader, mut writer) = socket.into_split();
    let mut lines = BufReader::new(reader).lines();
    // Silence keeps the connection open and says nothing.
    if behaviour.silent_from == Some("") {
        std::future::pending::<()>().await;
    }
    if !reply(&mut writer, delay, b"220 test.smtp ESMTP ready\r\n").await {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if behaviour.silent_from == Some(verb.as_str()) {
            std::future::pending::<()>().await;
        }
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 test.smtp\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                if !reply(
                    &mut writer,
                    delay,
                    b"354 End data with <CR><LF>.<CR><LF>\r\n",
                )
                .await
                {
                    return;
                }
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
                // Queued on the final dot, as a real server does, whether
                // or not the client waits for the reply.
                let count = {
                    let mut received = received.lock().unwrap();
                    received.push(message);
                    received.len()
                };
                let answered = reply(&mut writer, delay, b"250 OK queued\r\n").await;
                if behaviour.accept_at_most.is_some_and(|limit| count >= limit) {
                    let _ = stop.send(true);
                    return;
                }
                if !answered {
                    return;
                }
                continue;
            }
            "QUIT" => {
                let _ = reply(&mut writer, delay, b"221 Bye\r\n").await;
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        if !reply(&mut writer, delay, answer).await {
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
