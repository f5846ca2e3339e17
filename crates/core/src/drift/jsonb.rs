//! A canonical hash of a jsonb value, read straight from its on-disk form.
//!
//! Postgres's own `jsonb_hash_extended` walks the value through its
//! iterator, building a `JsonbValue` per token and hashing numerics with
//! `hash_numeric`; on the drift benchmark that is the dearest part of a row
//! hash. The binary form is already almost canonical: object keys are
//! sorted and de-duplicated, strings are bytes. Only numerics are not: `1.0`
//! and `1.00` store a different display scale. So this walks the container
//! format (`src/include/utils/jsonb.h`) and feeds a token stream to XXH3,
//! where a numeric is its sign, weight and base-10000 digits (which Postgres
//! always strips of leading and trailing zeros) and not its display scale.
//! Equal jsonb values (by jsonb `=`) give equal token streams.
//!
//! Layout, all native-endian (little-endian only; the glue uses Postgres's
//! hash elsewhere): a container is a u32 header (count, and a scalar, object
//! or array flag), then one u32 JEntry per child (objects: all keys, then
//! all values), then the children's data. A JEntry holds a type and either
//! the child's length or, every 32nd, its end offset. Numerics and nested
//! containers start at a 4-byte aligned offset.

const JB_CMASK: u32 = 0x0FFF_FFFF;
const JB_FSCALAR: u32 = 0x1000_0000;
const JB_FOBJECT: u32 = 0x2000_0000;
const JB_FARRAY: u32 = 0x4000_0000;
const JENTRY_OFFLENMASK: u32 = 0x0FFF_FFFF;
const JENTRY_TYPEMASK: u32 = 0x7000_0000;
const JENTRY_HAS_OFF: u32 = 0x8000_0000;
const JENTRY_ISSTRING: u32 = 0x0000_0000;
const JENTRY_ISNUMERIC: u32 = 0x1000_0000;
const JENTRY_ISBOOL_FALSE: u32 = 0x2000_0000;
const JENTRY_ISBOOL_TRUE: u32 = 0x3000_0000;
const JENTRY_ISNULL: u32 = 0x4000_0000;
const JENTRY_ISCONTAINER: u32 = 0x5000_0000;

/// Containers nest at most this deep (Postgres's own limit is the stack).
const MAX_DEPTH: usize = 10_000;

/// The bytes were not a jsonb container this walker understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

fn u32_at(b: &[u8], at: usize) -> Result<u32, Malformed> {
    b.get(at..at + 4).map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]])).ok_or(Malformed("truncated"))
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, Malformed> {
    b.get(at..at + 2).map(|s| u16::from_ne_bytes([s[0], s[1]])).ok_or(Malformed("truncated"))
}

fn intalign(x: usize) -> usize {
    (x + 3) & !3
}

/// Appends the canonical token stream of the container `b` (the varlena's
/// payload, header excluded) to `out`.
pub fn tokens(b: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
    container(b, out, 0)
}

/// XXH3-64 of the canonical token stream; `buf` is scratch space.
pub fn hash(b: &[u8], buf: &mut Vec<u8>) -> Result<u64, Malformed> {
    buf.clear();
    tokens(b, buf)?;
    Ok(twox_hash::XxHash3_64::oneshot(buf))
}

fn container(b: &[u8], out: &mut Vec<u8>, depth: usize) -> Result<(), Malformed> {
    if depth > MAX_DEPTH {
        return Err(Malformed("too deep"));
    }
    let header = u32_at(b, 0)?;
    let count = (header & JB_CMASK) as usize;
    let (tag, nelems) = if header & JB_FOBJECT != 0 {
        (b'{', count.checked_mul(2).ok_or(Malformed("count"))?)
    } else if header & JB_FARRAY != 0 {
        (if header & JB_FSCALAR != 0 { b'S' } else { b'[' }, count)
    } else {
        return Err(Malformed("neither object nor array"));
    };
    out.push(tag);
    out.extend_from_slice(&(count as u32).to_le_bytes());
    let entries = 4usize;
    let base =
        entries.checked_add(nelems.checked_mul(4).ok_or(Malformed("count"))?).ok_or(Malformed("count"))?;
    if base > b.len() {
        return Err(Malformed("entries past the end"));
    }
    let entry = |i: usize| u32_at(b, entries + 4 * i);
    // Start offset of child i: the lengths back to the last stored offset.
    let mut offset = 0usize;
    for i in 0..nelems {
        let je = entry(i)?;
        let field = (je & JENTRY_OFFLENMASK) as usize;
        let len = if je & JENTRY_HAS_OFF != 0 {
            field.checked_sub(offset).ok_or(Malformed("offset before start"))?
        } else {
            field
        };
        let start = base.checked_add(offset).ok_or(Malformed("offset"))?;
        let end = start.checked_add(len).ok_or(Malformed("length"))?;
        if end > b.len() {
            return Err(Malformed("child past the end"));
        }
        match je & JENTRY_TYPEMASK {
            JENTRY_ISSTRING => {
                out.push(b's');
                out.extend_from_slice(&(len as u32).to_le_bytes());
                out.extend_from_slice(&b[start..end]);
            }
            JENTRY_ISNUMERIC => {
                let s = base + intalign(offset);
                if s > end {
                    return Err(Malformed("numeric padding"));
                }
                numeric(&b[s..end], out)?;
            }
            JENTRY_ISBOOL_FALSE => out.push(b'f'),
            JENTRY_ISBOOL_TRUE => out.push(b't'),
            JENTRY_ISNULL => out.push(b'z'),
            JENTRY_ISCONTAINER => {
                let s = base + intalign(offset);
                if s > end {
                    return Err(Malformed("container padding"));
                }
                container(&b[s..end], out, depth + 1)?;
            }
            _ => return Err(Malformed("unknown entry type")),
        }
        offset += len;
    }
    Ok(())
}

/// A numeric varlena (header included) as sign, weight and digits: its
/// value, without the display scale.
fn numeric(v: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
    let first = *v.first().ok_or(Malformed("empty numeric"))?;
    // Little-endian varlena headers: low bit set = 1-byte header.
    let (hdr, size) = if first & 0x01 == 0x01 {
        (1usize, (first >> 1) as usize)
    } else {
        (4usize, (u32_at(v, 0)? >> 2) as usize)
    };
    if size < hdr || size > v.len() {
        return Err(Malformed("numeric size"));
    }
    let d = &v[hdr..size];
    let n_header = u16_at(d, 0)?;
    let (neg, weight, digits) = match n_header & 0xC000 {
        0xC000 => return Err(Malformed("special numeric")),
        0x8000 => {
            // Short format: sign bit 0x2000, 7-bit signed weight.
            let w = (n_header & 0x007F) as i16;
            let w = if w & 0x40 != 0 { w | !0x7F } else { w };
            (n_header & 0x2000 != 0, w, &d[2..])
        }
        sign => {
            let w = u16_at(d, 2)? as i16;
            (sign == 0x4000, w, d.get(4..).ok_or(Malformed("numeric"))?)
        }
    };
    if digits.len() % 2 != 0 {
        return Err(Malformed("numeric digits"));
    }
    let ndigits = digits.len() / 2;
    out.push(b'n');
    if ndigits == 0 {
        // Zero: no sign, no weight.
        out.push(0);
        return Ok(());
    }
    out.push(if neg { 2 } else { 1 });
    out.extend_from_slice(&weight.to_le_bytes());
    out.extend_from_slice(&(ndigits as u32).to_le_bytes());
    for c in digits.chunks_exact(2) {
        out.extend_from_slice(&i16::from_ne_bytes([c[0], c[1]]).to_le_bytes());
    }
    Ok(())
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use super::*;

    /// A numeric varlena (4-byte header, long format) from its parts.
    fn num_long(neg: bool, dscale: u16, weight: i16, digits: &[i16]) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&((if neg { 0x4000 } else { 0 }) | dscale).to_ne_bytes());
        d.extend_from_slice(&weight.to_ne_bytes());
        for x in digits {
            d.extend_from_slice(&x.to_ne_bytes());
        }
        let mut v = (((d.len() + 4) as u32) << 2).to_ne_bytes().to_vec();
        v.extend(d);
        v
    }

    /// A numeric varlena in short format.
    fn num_short(neg: bool, dscale: u16, weight: i16, digits: &[i16]) -> Vec<u8> {
        let h: u16 = 0x8000 | if neg { 0x2000 } else { 0 } | ((dscale & 0x3F) << 7) | (weight as u16 & 0x7F);
        let mut d = h.to_ne_bytes().to_vec();
        for x in digits {
            d.extend_from_slice(&x.to_ne_bytes());
        }
        let mut v = (((d.len() + 4) as u32) << 2).to_ne_bytes().to_vec();
        v.extend(d);
        v
    }

    /// A scalar jsonb container (`JB_FSCALAR | JB_FARRAY`, one child).
    fn scalar(entry_type: u32, payload: &[u8], aligned: bool) -> Vec<u8> {
        let mut b = (JB_FSCALAR | JB_FARRAY | 1).to_ne_bytes().to_vec();
        b.extend_from_slice(&(entry_type | payload.len() as u32).to_ne_bytes());
        let _ = aligned; // base is at 8: already aligned
        b.extend_from_slice(payload);
        b
    }

    fn h(b: &[u8]) -> u64 {
        hash(b, &mut Vec::new()).unwrap()
    }

    #[test]
    fn numeric_scale_is_ignored_and_formats_agree() {
        // 1.0 (dscale 1) and 1.00 (dscale 2): weight 0, digit 1.
        let a = scalar(JENTRY_ISNUMERIC, &num_long(false, 1, 0, &[1]), true);
        let b = scalar(JENTRY_ISNUMERIC, &num_long(false, 2, 0, &[1]), true);
        let c = scalar(JENTRY_ISNUMERIC, &num_short(false, 2, 0, &[1]), true);
        assert_eq!(h(&a), h(&b));
        assert_eq!(h(&a), h(&c));
        let minus = scalar(JENTRY_ISNUMERIC, &num_short(true, 0, 0, &[1]), true);
        assert_ne!(h(&a), h(&minus));
        let ten_thousand = scalar(JENTRY_ISNUMERIC, &num_short(false, 0, 1, &[1]), true);
        assert_ne!(h(&a), h(&ten_thousand));
        // Negative weights (0.5 = weight -1, digit 5000) in both formats.
        let half_s = scalar(JENTRY_ISNUMERIC, &num_short(false, 1, -1, &[5000]), true);
        let half_l = scalar(JENTRY_ISNUMERIC, &num_long(false, 3, -1, &[5000]), true);
        assert_eq!(h(&half_s), h(&half_l));
        let zero_a = scalar(JENTRY_ISNUMERIC, &num_short(false, 0, 0, &[]), true);
        let zero_b = scalar(JENTRY_ISNUMERIC, &num_long(false, 2, 0, &[]), true);
        assert_eq!(h(&zero_a), h(&zero_b));
    }

    #[test]
    fn strings_and_kinds_differ() {
        let s1 = scalar(JENTRY_ISSTRING, b"1", true);
        let n1 = scalar(JENTRY_ISNUMERIC, &num_long(false, 0, 0, &[1]), true);
        assert_ne!(h(&s1), h(&n1));
        let t = scalar(JENTRY_ISBOOL_TRUE, b"", true);
        let f = scalar(JENTRY_ISBOOL_FALSE, b"", true);
        let z = scalar(JENTRY_ISNULL, b"", true);
        assert_ne!(h(&t), h(&f));
        assert_ne!(h(&f), h(&z));
    }

    #[test]
    fn malformed_is_an_error_not_a_panic() {
        let mut buf = Vec::new();
        assert!(hash(&[], &mut buf).is_err());
        assert!(hash(&[1, 0, 0, 0x20], &mut buf).is_err()); // object of 1, no entries
        let mut b = scalar(JENTRY_ISSTRING, b"abc", true);
        b.truncate(b.len() - 1);
        assert!(hash(&b, &mut buf).is_err());
        assert!(hash(&(JB_FARRAY | JB_CMASK).to_ne_bytes(), &mut buf).is_err());
    }
}
