//! A TCP proxy the tests put between the service and a shared server (PostgreSQL, RabbitMQ):
//! the machine's servers are shared by every other test, so they are never stopped; instead the
//! proxy cuts every open connection and blackholes new ones (accepted, never answered: the worst
//! case, a hang rather than a refusal), and then restores them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL, RabbitMQ).
pub struct Proxy {
    addr: SocketAddr,
    /// `host:port` of the server, set once the test knows it.
    upstream: Arc<Mutex<String>>,
    cut: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = watch::channel(false);
        let upstream = Arc::new(Mutex::new(String::new()));
        let (state, target) = (cut.clone(), upstream.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let mut rx = state.subscribe();
                let upstream = target.lock().unwrap().clone();
                tokio::spawn(async move {
                    if *rx.borrow_and_update() {
                        // Blackholed: the connection is accepted and never answered. It is
                        // closed once the link is restored (the client gave up long before).
                        let _held = client;
                        let _ = rx.wait_for(|cut| !*cut).await;
                        return;
                    }
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        // Cut: both sockets are dropped, so both ends see the connection die.
                        _ = rx.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Proxy {
            addr,
            upstream,
            cut,
            task,
        }
    }

    /// Forwards new connections to `host:port`.
    pub fn forward_to(&self, upstream: impl Into<String>) {
        *self.upstream.lock().unwrap() = upstream.into();
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
