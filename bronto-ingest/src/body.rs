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

/// A request body ready to send (cheap to clone for retries).
#[derive(Clone, Debug)]
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    /// `Content-Encoding`, `None` for identity.
    pub(crate) encoding: Option<&'static str>,
}

/// The NDJSON of `events`: each line followed by `\n`.
pub(crate) fn ndjson(events: &[EncodedEvent]) -> Vec<u8> {
    let len = events.iter().map(|e| e.len() + 1).sum();
    let mut raw = Vec::with_capacity(len);
    for event in events {
        raw.extend_from_slice(event.as_bytes());
        raw.push(b'\n');
    }
    raw
}

/// Compresses `raw` (at most `limit` bytes) and returns a body of at most `limit` bytes: the compressed one, or
/// `raw` itself when compression did not make it fit (see the module docs).
pub(crate) fn compress(
    raw: Vec<u8>,
    compression: Compression,
    limit: usize,
) -> std::io::Result<Body> {
    if raw.len() > limit {
        return Err(std::io::Error::other(format!(
            "a batch of {} bytes passed the {limit}-byte limit",
            raw.len()
        )));
    }
    let compressed = match compression {
        Compression::None => None,
        Compression::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(raw.len() / 4 + 64),
                flate2::Compression::default(),
            );
            encoder.write_all(&raw)?;
            Some(encoder.finish()?)
        }
        Compression::Zstd => Some(zstd::bulk::compress(&raw, 3)?),
    };
    Ok(match (compressed, compression.content_encoding()) {
        (Some(compressed), Some(encoding)) if compressed.len() <= limit => Body {
            bytes: Bytes::from(compressed),
            encoding: Some(encoding),
        },
        (Some(compressed), _) => {
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
            bytes: Bytes::from(raw),
            encoding: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;
    use crate::Event;

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
        let raw = ndjson(&events(50));
        assert_eq!(raw.iter().filter(|&&b| b == b'\n').count(), 50);
        let gzip = compress(raw.clone(), Compression::Gzip, 1 << 20).expect("gzip");
        assert_eq!(gzip.encoding, Some("gzip"));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.bytes[..])
            .read_to_end(&mut decoded)
            .expect("gunzip");
        assert_eq!(decoded, raw);
        let zstd = compress(raw.clone(), Compression::Zstd, 1 << 20).expect("zstd");
        assert_eq!(zstd.encoding, Some("zstd"));
        assert_eq!(zstd::decode_all(&zstd.bytes[..]).expect("unzstd"), raw);
        assert!(gzip.bytes.len() < raw.len() && zstd.bytes.len() < raw.len());
        let none = compress(raw.clone(), Compression::None, 1 << 20).expect("none");
        assert_eq!((none.encoding, &none.bytes[..]), (None, &raw[..]));
    }

    #[test]
    fn a_body_that_compression_would_grow_past_the_limit_goes_uncompressed() {
        // Bytes with no redundancy (an LCG) grow slightly under gzip; with the limit at the raw size, the
        // compressed body does not fit and the raw one is sent instead.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let raw: Vec<u8> = (0..4096)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                (state >> 56) as u8
            })
            .collect();
        for compression in [Compression::Gzip, Compression::Zstd] {
            let body = compress(raw.clone(), compression, raw.len()).expect("body");
            assert_eq!(body.encoding, None, "{compression:?}");
            assert_eq!(&body.bytes[..], &raw[..]);
        }
        assert!(compress(raw.clone(), Compression::Gzip, raw.len() - 1).is_err());
    }
}
