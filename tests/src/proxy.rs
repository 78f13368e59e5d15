//! A round-robin TCP proxy, as a load balancer in front of several servers: each connection
//! goes to the next server in turn, and to the one after when that one does not answer (a
//! killed server is skipped; its open connections break, as they would behind a real one).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct RoundRobin {
    pub addr: SocketAddr,
    backends: Arc<Mutex<Vec<SocketAddr>>>,
    /// Connections open through the proxy, by server.
    open: Arc<Mutex<std::collections::HashMap<SocketAddr, usize>>>,
    task: JoinHandle<()>,
}

impl RoundRobin {
    pub async fn start(backends: Vec<SocketAddr>) -> RoundRobin {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let backends = Arc::new(Mutex::new(backends));
        let next = Arc::new(AtomicUsize::new(0));
        let shared = Arc::clone(&backends);
        let open: Arc<Mutex<std::collections::HashMap<SocketAddr, usize>>> = Arc::default();
        let counts = Arc::clone(&open);
        let task = tokio::spawn(async move {
            while let Ok((mut down, _)) = listener.accept().await {
                let candidates = shared
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let first = next.fetch_add(1, Ordering::Relaxed);
                let counts = Arc::clone(&counts);
                tokio::spawn(async move {
                    let count = |backend, by: isize| {
                        let mut open = counts.lock().unwrap_or_else(PoisonError::into_inner);
                        let n = open.entry(backend).or_default();
                        *n = n.saturating_add_signed(by);
                    };
                    for i in 0..candidates.len() {
                        let backend = candidates[(first + i) % candidates.len()];
                        if let Ok(mut up) = TcpStream::connect(backend).await {
                            count(backend, 1);
                            let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                            count(backend, -1);
                            return;
                        }
                    }
                });
            }
        });
        RoundRobin {
            addr,
            backends,
            open,
            task,
        }
    }

    /// Connections now open through the proxy to `backend`.
    pub fn open_to(&self, backend: SocketAddr) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&backend)
            .copied()
            .unwrap_or(0)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The servers new connections go to from now on.
    pub fn set_backends(&self, backends: Vec<SocketAddr>) {
        *self.backends.lock().unwrap_or_else(PoisonError::into_inner) = backends;
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.task.abort();
    }
}
