//! How many live event streams each user holds open, so one account cannot hold the server's
//! connections (`GET /events/stream`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

/// Open streams per user; a stream's [`Slot`] gives its place back when it is dropped.
#[derive(Default)]
pub struct Streams(Mutex<HashMap<Uuid, usize>>);

impl Streams {
    /// How many streams `user` has open.
    pub fn open(&self, user: Uuid) -> usize {
        self.0
            .lock()
            .expect("the stream counts")
            .get(&user)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn take(self: &Arc<Self>, user: Uuid, max: usize) -> Option<Slot> {
        let mut counts = self.0.lock().expect("the stream counts");
        let n = counts.entry(user).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            streams: self.clone(),
            user,
        })
    }
}

pub(crate) struct Slot {
    streams: Arc<Streams>,
    user: Uuid,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.streams.0.lock().expect("the stream counts");
        if let Some(n) = counts.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_has_at_most_max_streams_and_a_dropped_one_gives_its_place_back() {
        let streams = Arc::new(Streams::default());
        let user = Uuid::now_v7();
        let a = streams.take(user, 2).unwrap();
        let _b = streams.take(user, 2).unwrap();
        assert!(streams.take(user, 2).is_none());
        assert!(streams.take(Uuid::now_v7(), 2).is_some(), "per user");
        drop(a);
        assert_eq!(streams.open(user), 1);
        assert!(streams.take(user, 2).is_some());
    }
}
