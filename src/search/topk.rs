//! `supabase_ext.search_topk(...)`: the lexical stage's top-k, run by each
//! registration's `search_<id>_lexical` over its postings' primary key
//! `(t, term, k) INCLUDE (tf, len)`. The algorithm (MaxScore, exact) is
//! `supabase_ext_core::search::maxscore`; this is the glue that feeds it
//! postings from index scans under the caller's snapshot.
//!
//! Why not SQL: the stage is a sum over postings. In PL/pgSQL each posting
//! went through a join, an expression tree and a hash aggregate, about 2 µs;
//! here it is an index fetch and a float sum (docs/search.md, "Top-k over
//! the postings").
use crate::common::errors::{raise, Code};
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::AnyElement;
use std::ffi::CStr;
use supabase_ext_core::search::bm25::Params;
use supabase_ext_core::search::maxscore::{maxscore, Postings};

/// A document key as bytes: the datum itself for pass-by-value types, its
/// detoasted image otherwise, so equal keys hash alike.
type KeyBytes = Vec<u8>;

struct IndexPostings {
    heap: pg_sys::Relation,
    index: pg_sys::Relation,
    snapshot: pg_sys::Snapshot,
    slot: *mut pg_sys::TupleTableSlot,
    /// (t, term) scan and (t, term, k) probe, opened on first use.
    scan2: pg_sys::IndexScanDesc,
    scan3: pg_sys::IndexScanDesc,
    /// The visibility map page last looked at.
    vmbuf: pg_sys::Buffer,
    /// Equality procedure and collation of the three key columns.
    eq: [(pg_sys::RegProcedure, pg_sys::Oid, pg_sys::Oid); 3],
    tenant: pg_sys::Datum,
    terms: Vec<pg_sys::Datum>,
    /// Heap attribute numbers of k, tf, len.
    atts: [i32; 3],
    key_byval: bool,
    key_len: i16,
}

fn bad(msg: &str) -> ! {
    raise(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("search_topk: {msg}"), None, None)
}

impl IndexPostings {
    unsafe fn begin(&self, nkeys: i32) -> pg_sys::IndexScanDesc {
        #[cfg(feature = "pg18")]
        let scan =
            pg_sys::index_beginscan(self.heap, self.index, self.snapshot, std::ptr::null_mut(), nkeys, 0);
        #[cfg(not(feature = "pg18"))]
        let scan = pg_sys::index_beginscan(self.heap, self.index, self.snapshot, nkeys, 0);
        scan
    }

    unsafe fn keys(&self, values: &[pg_sys::Datum]) -> Vec<pg_sys::ScanKeyData> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
                let (proc_, subtype, coll) = self.eq[i];
                pg_sys::ScanKeyEntryInitialize(
                    &mut key,
                    0,
                    (i + 1) as pg_sys::AttrNumber,
                    pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
                    subtype,
                    coll,
                    proc_,
                    *v,
                );
                key
            })
            .collect()
    }

    /// The current posting's (key, tf, len).
    unsafe fn read(&self, with_key: bool) -> (Option<KeyBytes>, f64, f64) {
        let mut isnull = false;
        let key = if with_key {
            let d = pg_sys::slot_getattr(self.slot, self.atts[0], &mut isnull);
            Some(self.key_bytes(d))
        } else {
            None
        };
        let tf = pg_sys::slot_getattr(self.slot, self.atts[1], &mut isnull).value() as i32;
        let len = pg_sys::slot_getattr(self.slot, self.atts[2], &mut isnull).value() as i32;
        (key, tf as f64, len as f64)
    }

    unsafe fn key_bytes(&self, d: pg_sys::Datum) -> KeyBytes {
        if self.key_byval {
            (d.value() as u64).to_le_bytes().to_vec()
        } else if self.key_len > 0 {
            std::slice::from_raw_parts(d.cast_mut_ptr::<u8>(), self.key_len as usize).to_vec()
        } else {
            let raw = d.cast_mut_ptr::<pg_sys::varlena>();
            let v = pg_sys::pg_detoast_datum(raw);
            let bytes = std::slice::from_raw_parts(v as *const u8, pgrx::varlena::varsize_any(v)).to_vec();
            if v != raw {
                pg_sys::pfree(v.cast());
            }
            bytes
        }
    }

    /// A palloc'd datum of the key (valid until the end of the call).
    unsafe fn key_datum(&self, k: &KeyBytes) -> pg_sys::Datum {
        if self.key_byval {
            pg_sys::Datum::from(u64::from_le_bytes(k[..8].try_into().unwrap_or_default()) as usize)
        } else {
            let p = pg_sys::palloc(k.len()) as *mut u8;
            std::ptr::copy_nonoverlapping(k.as_ptr(), p, k.len());
            pg_sys::Datum::from(p)
        }
    }
}

impl Postings for IndexPostings {
    type Key = KeyBytes;

    fn scan(&mut self, i: usize, f: &mut dyn FnMut(KeyBytes, f64, f64)) {
        unsafe {
            if self.scan2.is_null() {
                self.scan2 = self.begin(2);
                (*self.scan2).xs_want_itup = true;
            }
            let mut keys = self.keys(&[self.tenant, self.terms[i]]);
            pg_sys::index_rescan(self.scan2, keys.as_mut_ptr(), 2, std::ptr::null_mut(), 0);
            // An index-only scan, as nodeIndexonlyscan.c does it: the tuple
            // comes from the index when its heap page is all-visible, from
            // the heap (with the snapshot's visibility check) otherwise.
            let mut values = [pg_sys::Datum::from(0); 5];
            let mut nulls = [false; 5];
            loop {
                let tid = pg_sys::index_getnext_tid(self.scan2, pg_sys::ScanDirection::ForwardScanDirection);
                if tid.is_null() {
                    break;
                }
                let blk = ((*tid).ip_blkid.bi_hi as u32) << 16 | (*tid).ip_blkid.bi_lo as u32;
                let all_visible = pg_sys::visibilitymap_get_status(self.heap, blk, &mut self.vmbuf) as u32
                    & pg_sys::VISIBILITYMAP_ALL_VISIBLE
                    != 0;
                if all_visible && !(*self.scan2).xs_itup.is_null() {
                    pg_sys::index_deform_tuple(
                        (*self.scan2).xs_itup,
                        (*self.scan2).xs_itupdesc,
                        values.as_mut_ptr(),
                        nulls.as_mut_ptr(),
                    );
                    let tf = values[3].value() as i32 as f64;
                    let len = values[4].value() as i32 as f64;
                    f(self.key_bytes(values[2]), tf, len);
                } else if pg_sys::index_fetch_heap(self.scan2, self.slot) {
                    let (k, tf, len) = self.read(true);
                    f(k.unwrap_or_default(), tf, len);
                }
            }
        }
    }

    fn probe(&mut self, i: usize, key: &KeyBytes) -> Option<(f64, f64)> {
        unsafe {
            if self.scan3.is_null() {
                self.scan3 = self.begin(3);
            }
            let k = self.key_datum(key);
            let mut keys = self.keys(&[self.tenant, self.terms[i], k]);
            pg_sys::index_rescan(self.scan3, keys.as_mut_ptr(), 3, std::ptr::null_mut(), 0);
            if pg_sys::index_getnext_slot(self.scan3, pg_sys::ScanDirection::ForwardScanDirection, self.slot)
            {
                let (_, tf, len) = self.read(false);
                Some((tf, len))
            } else {
                None
            }
        }
    }
}

/// BM25 top `n` of the query terms over a registration's postings, with
/// documents tied at the n-th score (the caller orders ties by key). The
/// terms come rarest first, with their IDFs and posting counts; keys are returned as text, for
/// the caller to cast back to the key column's type. Internal: revoked from
/// PUBLIC, called by the SECURITY DEFINER lexical stage, and it reads only a
/// `supabase_ext.search_<id>_postings` table the current user may read.
#[pg_extern(stable, strict)]
#[allow(clippy::too_many_arguments)]
fn search_topk(
    postings_index: pg_sys::Oid,
    tenant: AnyElement,
    terms: Vec<String>,
    idfs: Vec<f64>,
    dfs: Vec<f64>,
    n: i32,
    k1: f64,
    b: f64,
    avgdl: f64,
) -> TableIterator<'static, (name!(k, String), name!(score, f64))> {
    if terms.len() != idfs.len() || terms.len() != dfs.len() {
        bad("terms, idfs and dfs differ in length");
    }
    let valid = k1.is_finite() && k1 >= 0.0 && (0.0..=1.0).contains(&b) && avgdl.is_finite() && avgdl > 0.0;
    if n < 1 || !valid {
        bad("n >= 1, k1 >= 0, 0 <= b <= 1 and avgdl > 0");
    }
    // SAFETY: relations are opened and closed here under AccessShareLock;
    // scans and the slot are ended before returning (an error unwinds
    // through Postgres's abort, which releases them).
    unsafe {
        let index = pg_sys::index_open(postings_index, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let form = (*index).rd_index;
        let heap_oid = (*form).indrelid;
        let heap = pg_sys::table_open(heap_oid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let relname = CStr::from_ptr((*(*heap).rd_rel).relname.data.as_ptr()).to_string_lossy().into_owned();
        let nsp = CStr::from_ptr(pg_sys::get_namespace_name((*(*heap).rd_rel).relnamespace))
            .to_string_lossy()
            .into_owned();
        if nsp != "supabase_ext"
            || !relname.starts_with("search_")
            || !relname.ends_with("_postings")
            || !(*form).indisprimary
            || (*form).indnatts != 5
            || (*form).indnkeyatts != 3
            || (*(*index).rd_rel).relam != pg_sys::BTREE_AM_OID
        {
            bad("not the primary key of a search registration's postings");
        }
        if pg_sys::pg_class_aclcheck(heap_oid, pg_sys::GetUserId(), pg_sys::ACL_SELECT as pg_sys::AclMode)
            != pg_sys::AclResult::ACLCHECK_OK
        {
            raise(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                format!("permission denied for table {relname}"),
                None,
                None,
            );
        }
        let indkey = (*form).indkey.values.as_slice(5);
        let tupdesc = (*heap).rd_att;
        let katt = tupdesc_attr(tupdesc, indkey[2]);
        let mut eq = [(pg_sys::InvalidOid, pg_sys::InvalidOid, pg_sys::InvalidOid); 3];
        for (i, e) in eq.iter_mut().enumerate() {
            let family = *(*index).rd_opfamily.add(i);
            let intype = *(*index).rd_opcintype.add(i);
            let op = pg_sys::get_opfamily_member(
                family,
                intype,
                intype,
                pg_sys::BTEqualStrategyNumber as pg_sys::int16,
            );
            *e = (pg_sys::get_opcode(op), intype, *(*index).rd_indcollation.add(i));
        }
        if !pg_sys::IsBinaryCoercible(tenant.oid(), eq[0].1) {
            bad("the tenant's type is not the postings' tenant type");
        }
        let slot = pg_sys::table_slot_create(heap, std::ptr::null_mut());
        let mut src = IndexPostings {
            heap,
            index,
            snapshot: pg_sys::GetActiveSnapshot(),
            slot,
            scan2: std::ptr::null_mut(),
            scan3: std::ptr::null_mut(),
            vmbuf: pg_sys::InvalidBuffer as pg_sys::Buffer,
            eq,
            tenant: tenant.datum(),
            terms: terms.iter().map(|t| t.as_str().into_datum().unwrap_or(pg_sys::Datum::from(0))).collect(),
            atts: [indkey[2] as i32, indkey[3] as i32, indkey[4] as i32],
            key_byval: katt.attbyval,
            key_len: katt.attlen,
        };
        if src.key_len == -2 {
            bad("cstring keys are not supported");
        }
        let got = maxscore(&mut src, Params { k1, b }, &idfs, &dfs, avgdl, n as usize);
        let mut out = Vec::with_capacity(got.hits.len());
        let (mut typout, mut varlena) = (pg_sys::InvalidOid, false);
        pg_sys::getTypeOutputInfo(katt.atttypid, &mut typout, &mut varlena);
        for (k, s) in got.hits {
            let text = pg_sys::OidOutputFunctionCall(typout, src.key_datum(&k));
            out.push((CStr::from_ptr(text).to_string_lossy().into_owned(), s));
        }
        for scan in [src.scan2, src.scan3] {
            if !scan.is_null() {
                pg_sys::index_endscan(scan);
            }
        }
        if src.vmbuf != pg_sys::InvalidBuffer as pg_sys::Buffer {
            pg_sys::ReleaseBuffer(src.vmbuf);
        }
        pg_sys::ExecDropSingleTupleTableSlot(slot);
        pg_sys::table_close(heap, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        pg_sys::index_close(index, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        TableIterator::new(out)
    }
}

/// # Safety
/// `desc` is a valid tuple descriptor.
unsafe fn tupdesc_attr(desc: pg_sys::TupleDesc, attnum: i16) -> pg_sys::FormData_pg_attribute {
    let d = pgrx::PgTupleDesc::from_pg_unchecked(desc);
    match d.get((attnum - 1) as usize) {
        Some(a) => *a,
        None => bad("postings key column out of range"),
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// Only a registration's postings key is read, whatever index is named.
    #[pg_test(error = "search_topk: not the primary key of a search registration's postings")]
    fn refuses_other_indexes() {
        Spi::run(
            "SELECT * FROM supabase_ext.search_topk('pg_class_oid_index'::regclass::oid, 0::smallint,
                    ARRAY['a'], ARRAY[1.0]::float8[], ARRAY[1.0]::float8[], 10, 0.9, 0.4, 10.0)",
        )
        .unwrap();
    }

    #[pg_test(error = "search_topk: terms, idfs and dfs differ in length")]
    fn refuses_ragged_arrays() {
        Spi::run(
            "SELECT * FROM supabase_ext.search_topk('pg_class_oid_index'::regclass::oid, 0::smallint,
                    ARRAY['a', 'b'], ARRAY[1.0]::float8[], ARRAY[1.0]::float8[], 10, 0.9, 0.4, 10.0)",
        )
        .unwrap();
    }
}
