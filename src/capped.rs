//! [`Capped`]: the one bounded list of problems. At most [`MAX_PROBLEMS`] items are kept and the
//! rest only counted, and an item is built only when it will be kept ([`Capped::push_with`]), so
//! per-item work — a "did you mean" suggestion for an unknown key — is paid at most
//! [`MAX_PROBLEMS`] times, however many keys a request holds.

use std::ops::Deref;

/// Most problems kept per document, track or header.
pub const MAX_PROBLEMS: usize = 50;

/// At most [`MAX_PROBLEMS`] items, and how many more there were.
#[derive(Debug, Clone, PartialEq)]
pub struct Capped<T> {
    items: Vec<T>,
    more: usize,
}

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped { items: Vec::new(), more: 0 }
    }
}

impl<T> Capped<T> {
    /// Keeps `item` if there is room, else counts it.
    pub fn push(&mut self, item: T) {
        self.push_with(|| item);
    }

    /// Builds and keeps an item if there is room; else only counts it, without building it.
    pub fn push_with(&mut self, make: impl FnOnce() -> T) {
        if self.items.len() < MAX_PROBLEMS {
            self.items.push(make());
        } else {
            self.more += 1;
        }
    }

    /// Counts `n` items that were cut before they got here.
    pub fn add_more(&mut self, n: usize) {
        self.more = self.more.saturating_add(n);
    }

    /// Items cut (counted, not kept).
    pub fn more(&self) -> usize {
        self.more
    }

    /// Kept and cut.
    pub fn total(&self) -> usize {
        self.items.len().saturating_add(self.more)
    }

    /// Everything from `other`, in order, under this one's cap.
    pub fn extend(&mut self, other: Capped<T>) {
        let more = other.more;
        for item in other.items {
            self.push(item);
        }
        self.add_more(more);
    }

    pub fn into_parts(self) -> (Vec<T>, usize) {
        (self.items, self.more)
    }
}

impl<T> Deref for Capped<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T> FromIterator<T> for Capped<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Capped::default();
        for item in iter {
            c.push(item);
        }
        c
    }
}

impl<T> IntoIterator for Capped<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Capped<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_past_the_cap_are_counted_and_never_built() {
        let mut c = Capped::default();
        let mut built = 0;
        for i in 0..1000 {
            c.push_with(|| {
                built += 1;
                i
            });
        }
        assert_eq!((c.len(), c.more(), c.total(), built), (MAX_PROBLEMS, 950, 1000, MAX_PROBLEMS));
        assert_eq!(c[0], 0);
        let mut d: Capped<i32> = (0..10).collect();
        d.extend(c);
        assert_eq!((d.len(), d.more()), (MAX_PROBLEMS, 960));
    }
}
