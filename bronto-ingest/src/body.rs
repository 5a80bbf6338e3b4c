//! Request bodies: NDJSON built once per batch, then compressed.
//!
//! # Why a batch's compressed body fits when its NDJSON does
//!
//! A batch closes before its NDJSON (one line per event, each ending in `\n`) would pass the byte limit, which is
//! at most 10 MiB. gzip and zstd only expand input that has no redundancy at all, and then by a few bytes per
//! block (gzip: 5 bytes per 64 KiB stored block plus an 18-byte frame; zstd: 3 bytes per 128 KiB raw block plus
//! its frame header). JSON text is never like that: keys repeat on every line, and it is UTF-8 text with quotes,
//! colons and commas, so in practice it shrinks several times. The compressed body is still measured before it is
//! sent; in the pathological case where it came out larger than the limit, the uncompressed body (which fits by
//! construction) is sent instead, so no request ever passes the limit.

use std::io::Write as _;

use bytes::Bytes;

use crate::{Compression, EncodedEvent};

/// How much NDJSON is built at a time on the way into the compressor: a batch of up to 10 MiB is never copied
/// whole before it is compressed, so building a body holds at most this much uncompressed text beside the
/// events themselves (which the batch holds anyway) and the compressed output.
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

/// A request body ready to send (cheap to clone for retries).
#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    /// `Content-Encoding`, `None` for identity.
    pub(crate) encoding: Option<&'static str>,
}

/// The NDJSON of `events`: each line followed by `\n`.
pub(crate) fn ndjson(events: &[EncodedEvent]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(ndjson_len(events));
    for event in events {
        raw.extend_from_slice(event.as_bytes());
        raw.push(b'\n');
    }
    raw
}

/// The length of [`ndjson`]'s output, without building it.
pub(crate) fn ndjson_len(events: &[EncodedEvent]) -> usize {
    events.iter().map(|e| e.len() + 1).sum()
}

/// The NDJSON of `events` in pieces of about [`CHUNK_BYTES`] (whole lines; a line longer than that is a piece
/// of its own), in order: their concatenation is [`ndjson`].
pub(crate) fn chunks(events: &[EncodedEvent]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut rest = events;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut taken = 0;
        let mut len = 0;
        while let Some(event) = rest.get(taken) {
            if taken > 0 && len + event.len() + 1 > CHUNK_BYTES {
                break;
            }
            len += event.len() + 1;
            taken += 1;
        }
        let (chunk, after) = rest.split_at(taken);
        rest = after;
        Some(ndjson(chunk))
    })
}

/// A compressor fed NDJSON a chunk at a time (each step may run on another thread: see [`build`]).
pub(crate) enum Compressor {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Compressor {
    /// A compressor for a body of `raw_len` uncompressed bytes, `None` for [`Compression::None`].
    fn start(compression: Compression, raw_len: usize) -> std::io::Result<Option<Self>> {
        let output = Vec::with_capacity(raw_len / 4 + 64);
        Ok(match compression {
            Compression::None => None,
            Compression::Gzip => Some(Self::Gzip(flate2::write::GzEncoder::new(
                output,
                flate2::Compression::default(),
            ))),
            Compression::Zstd => Some(Self::Zstd(zstd::stream::write::Encoder::new(output, 3)?)),
        })
    }

    fn feed(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Gzip(encoder) => encoder.write_all(chunk),
            Self::Zstd(encoder) => encoder.write_all(chunk),
        }
    }

    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Gzip(encoder) => encoder.finish(),
            Self::Zstd(encoder) => encoder.finish(),
        }
    }
}

/// One compression step: a chunk fed in, and the compressor finished after the last one.
pub(crate) type Job = Box<dyn FnOnce() -> std::io::Result<Step> + Send>;

/// Where compressing a body stands after a [`Job`].
pub(crate) enum Step {
    More(Compressor),
    Done(Vec<u8>),
}

/// The request body of `events`, at most `limit` bytes: their NDJSON fed to the compressor a chunk at a time,
/// each step run by `offload` (the worker hands it to a blocking thread, so compression stays off the async
/// threads), then [`choose`].
pub(crate) async fn build<F, Fut>(
    events: &[EncodedEvent],
    compression: Compression,
    limit: usize,
    mut offload: F,
) -> std::io::Result<Body>
where
    F: FnMut(Job) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<Step>>,
{
    let raw_len = ndjson_len(events);
    if raw_len > limit {
        return Err(std::io::Error::other(format!(
            "a batch of {raw_len} bytes passed the {limit}-byte limit"
        )));
    }
    let Some(mut compressor) = Compressor::start(compression, raw_len)? else {
        return Ok(choose(None, compression, events, limit));
    };
    let mut chunks = chunks(events).peekable();
    let compressed = loop {
        let chunk = chunks.next().unwrap_or_default();
        let last = chunks.peek().is_none();
        let job: Job = Box::new(move || {
            compressor.feed(&chunk)?;
            Ok(if last {
                Step::Done(compressor.finish()?)
            } else {
                Step::More(compressor)
            })
        });
        match offload(job).await? {
            Step::Done(compressed) => break compressed,
            Step::More(back) => compressor = back,
        }
    };
    Ok(choose(Some(compressed), compression, events, limit))
}

/// The body to send once `events` are compressed (`None` for no compression): the compressed one when it fits
/// in `limit`, else the NDJSON itself, which fits by construction (see the module docs).
fn choose(
    compressed: Option<Vec<u8>>,
    compression: Compression,
    events: &[EncodedEvent],
    limit: usize,
) -> Body {
    match (compressed, compression.content_encoding()) {
        (Some(compressed), Some(encoding)) if compressed.len() <= limit => Body {
            bytes: Bytes::from(compressed),
            encoding: Some(encoding),
        },
        (Some(compressed), _) => {
            let raw = ndjson(events);
            tracing::warn!(
                raw = raw.len(),
                compressed = compressed.len(),
                limit,
                "compressed body over the limit; sending it uncompressed"
            );
            Body {
                bytes: Bytes::from(raw),
                encoding: None,
            }
        }
        (None, _) => Body {
            bytes: Bytes::from(ndjson(events)),
            encoding: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::Event;

    /// [`build`] with every step run in place.
    fn build_inline(
        events: &[EncodedEvent],
        compression: Compression,
        limit: usize,
    ) -> std::io::Result<Body> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(build(events, compression, limit, |job| {
            std::future::ready(job())
        }))
    }

    fn events(n: usize) -> Vec<EncodedEvent> {
        (0..n)
            .map(|i| {
                Event::new(format!("event {i}"))
                    .field("i", i)
                    .encode()
                    .expect("valid")
            })
            .collect()
    }

    #[test]
    fn gzip_and_zstd_round_trip() {
        let events = events(50);
        let raw = ndjson(&events);
        assert_eq!(raw.iter().filter(|&&b| b == b'\n').count(), 50);
        let gzip = build_inline(&events, Compression::Gzip, 1 << 20).expect("gzip");
        assert_eq!(gzip.encoding, Some("gzip"));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.bytes[..])
            .read_to_end(&mut decoded)
            .expect("gunzip");
        assert_eq!(decoded, raw);
        let zstd = build_inline(&events, Compression::Zstd, 1 << 20).expect("zstd");
        assert_eq!(zstd.encoding, Some("zstd"));
        assert_eq!(zstd::decode_all(&zstd.bytes[..]).expect("unzstd"), raw);
        assert!(gzip.bytes.len() < raw.len() && zstd.bytes.len() < raw.len());
        let none = build_inline(&events, Compression::None, 1 << 20).expect("none");
        assert_eq!((none.encoding, &none.bytes[..]), (None, &raw[..]));
    }

    #[test]
    fn a_compressed_body_over_the_limit_goes_uncompressed() {
        // Incompressible input grows slightly under gzip and zstd (see the module docs); `choose` is where a
        // compressed body that came out over the limit is replaced by the NDJSON, which fits by construction.
        let events = events(20);
        let raw = ndjson(&events);
        let limit = raw.len();
        let grown = vec![0_u8; limit + 1];
        let body = choose(Some(grown), Compression::Gzip, &events, limit);
        assert_eq!(body.encoding, None);
        assert_eq!(&body.bytes[..], &raw[..]);
        let fits = choose(Some(vec![1_u8; limit]), Compression::Zstd, &events, limit);
        assert_eq!((fits.encoding, fits.bytes.len()), (Some("zstd"), limit));
        assert!(build_inline(&events, Compression::Gzip, raw.len() - 1).is_err());
    }

    #[test]
    fn chunks_are_whole_lines_of_bounded_size_that_concatenate_to_the_ndjson() {
        // Lines of about 1 KiB, and one longer than a chunk, which is a chunk of its own.
        let mut events: Vec<EncodedEvent> = (0..700)
            .map(|i| {
                Event::new(format!("{i}:{}", "x".repeat(1000)))
                    .encode()
                    .expect("valid")
            })
            .collect();
        events.insert(
            300,
            Event::new("y".repeat(CHUNK_BYTES + 10))
                .encode()
                .expect("valid"),
        );
        let chunks: Vec<Vec<u8>> = chunks(&events).collect();
        assert!(chunks.len() >= 4, "{}", chunks.len());
        assert_eq!(chunks.concat(), ndjson(&events));
        for chunk in &chunks {
            assert_eq!(chunk.last(), Some(&b'\n'));
            let lines = chunk.iter().filter(|&&b| b == b'\n').count();
            assert!(
                chunk.len() <= CHUNK_BYTES || lines == 1,
                "{} bytes",
                chunk.len()
            );
        }
        assert_eq!(super::chunks(&[]).count(), 0);
    }
}
