//! Bounds on a paged stream: a server that ignores paging parameters must not make a stream run forever.

/// The most a paged stream follows before it ends with an error. A stream that reaches a cap has not lost data
/// silently: the error says so, and a caller that expects more raises the cap.
///
/// ```
/// use client_runtime::PagingLimits;
/// let generous = PagingLimits::default().max_pages(100_000).max_items(50_000_000);
/// assert_eq!(generous.pages(), 100_000);
/// assert_eq!(PagingLimits::default().items(), 1_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagingLimits {
    max_pages: u64,
    max_items: u64,
}

impl Default for PagingLimits {
    /// 10,000 pages and 1,000,000 items.
    fn default() -> Self {
        Self {
            max_pages: 10_000,
            max_items: 1_000_000,
        }
    }
}

impl PagingLimits {
    /// At most `pages` requests (at least 1).
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// At most `items` items across pages (at least 1).
    pub fn max_items(mut self, items: u64) -> Self {
        self.max_items = items.max(1);
        self
    }

    /// The page cap.
    pub fn pages(&self) -> u64 {
        self.max_pages
    }

    /// The item cap.
    pub fn items(&self) -> u64 {
        self.max_items
    }

    /// Why a stream that has delivered `pages` pages and `items` items may not fetch another page, if it may not.
    pub fn exceeded(&self, pages: u64, items: u64) -> Option<String> {
        if pages >= self.max_pages {
            Some(format!(
                "stopped after {} pages, the stream's cap (a server that ignores paging parameters never ends; \
                 raise PagingLimits::max_pages if more is expected)",
                self.max_pages
            ))
        } else if items >= self.max_items {
            Some(format!(
                "stopped after {} items, the stream's cap (raise PagingLimits::max_items if more is expected)",
                self.max_items
            ))
        } else {
            None
        }
    }
}
