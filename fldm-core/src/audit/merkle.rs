//! RFC 9162 Merkle tree hashing, inclusion and consistency proofs.
//!
//! - leaf hash: `SHA-256(0x00 || entry)`
//! - node hash: `SHA-256(0x01 || left || right)`
//! - the tree over `n` leaves is the RFC 9162 § 2.1.1 Merkle Tree Hash
//!   (`MTH`), split at the largest power of two smaller than `n`.
//!
//! Proof generation follows RFC 9162 § 2.1.3.1 (`PATH`) and § 2.1.4.1
//! (`PROOF`/`SUBPROOF`); verification follows § 2.1.3.2 and § 2.1.4.2.

use ring::digest;

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// The all-zero hash, used as "previous leaf hash" of entry 0.
pub const ZERO_HASH: Hash = [0u8; 32];

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0x00]);
    ctx.update(data);
    to_hash(ctx.finish())
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    to_hash(digest::digest(&digest::SHA256, &buf))
}

/// Plain SHA-256 (ring), e.g. as a benchmark baseline.
pub fn sha256(data: &[u8]) -> Hash {
    to_hash(digest::digest(&digest::SHA256, data))
}

/// The hash of the empty tree, `SHA-256()`.
pub fn empty_root() -> Hash {
    to_hash(digest::digest(&digest::SHA256, b""))
}

fn to_hash(d: digest::Digest) -> Hash {
    let mut h = [0u8; 32];
    h.copy_from_slice(d.as_ref());
    h
}

/// Largest power of two strictly smaller than `n` (for `n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    let mut k = 1u64;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// An append-only Merkle tree that keeps every complete perfect subtree
/// (about two hashes per leaf), so roots for any earlier size and proofs
/// are computed in `O(log² n)` hash operations.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    /// `levels[h][i]` is the root of the perfect subtree over leaves
    /// `i * 2^h .. (i + 1) * 2^h`.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        MerkleTree { levels: Vec::new() }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
    }

    /// The last leaf hash, if any.
    pub fn last_leaf(&self) -> Option<Hash> {
        self.levels.first().and_then(|l| l.last()).copied()
    }

    /// Append a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut h = 0;
        while self.levels[h].len().is_multiple_of(2) {
            let n = self.levels[h].len();
            let node = node_hash(&self.levels[h][n - 2], &self.levels[h][n - 1]);
            if self.levels.len() == h + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[h + 1].push(node);
            h += 1;
        }
    }

    /// `MTH(D[start .. start + width])`; the range must lie within the tree.
    fn subtree(&self, start: u64, width: u64) -> Hash {
        if width.is_power_of_two() && start.is_multiple_of(width) {
            let h = width.trailing_zeros() as usize;
            if let Some(x) = self
                .levels
                .get(h)
                .and_then(|v| v.get((start >> h) as usize))
            {
                return *x;
            }
        }
        if width == 1 {
            // Unreachable for ranges inside the tree; keep total.
            return ZERO_HASH;
        }
        let k = split_point(width);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, width - k))
    }

    /// Root hash of the first `size` leaves (`size <= len`); `None` if the
    /// tree is smaller.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size > self.len() {
            return None;
        }
        if size == 0 {
            return Some(empty_root());
        }
        Some(self.subtree(0, size))
    }

    /// Root hash of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.len()).unwrap_or_else(empty_root)
    }

    /// Inclusion proof for leaf `index` in the tree of the first `size`
    /// leaves (RFC 9162 § 2.1.3.1), audit path from the leaf upwards.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.len() {
            return None;
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Some(out)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// Consistency proof between the trees of the first `old` and the first
    /// `new` leaves (RFC 9162 § 2.1.4.1), `0 < old <= new <= len`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old == 0 || old > new || new > self.len() {
            return None;
        }
        let mut out = Vec::new();
        self.subproof(old, 0, new, true, &mut out);
        Some(out)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, b: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !b {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, k, b, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }
}

/// A compact range: the roots of the perfect subtrees covering a prefix of
/// the leaves. Enough to compute the root of every prefix while streaming,
/// with `O(log n)` memory.
#[derive(Debug, Clone, Default)]
pub struct CompactRange {
    size: u64,
    /// Perfect subtree roots, left to right, with their heights.
    stack: Vec<(Hash, u32)>,
}

impl CompactRange {
    /// An empty range.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.size
    }

    /// Whether no leaf was pushed.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Append a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut cur = (leaf, 0u32);
        while let Some(&(top, h)) = self.stack.last() {
            if h != cur.1 {
                break;
            }
            self.stack.pop();
            cur = (node_hash(&top, &cur.0), h + 1);
        }
        self.stack.push(cur);
        self.size += 1;
    }

    /// The RFC 9162 root of all leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(mut r, _)) = it.next() else {
            return empty_root();
        };
        for (h, _) in it {
            r = node_hash(h, &r);
        }
        r
    }
}

/// Verify an inclusion proof (RFC 9162 § 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let mut r = *leaf;
    let complete = walk(index, size - 1, proof, |p, left| {
        r = if left {
            node_hash(p, &r)
        } else {
            node_hash(&r, p)
        };
    });
    complete && r == *root
}

/// The walk up the tree both proofs make (RFC 9162 § 2.1.3.2 and
/// § 2.1.4.2), from the node numbered `fnn` of a tree whose last node is
/// `sn`: `step(node, left)` for each proof node in turn, `left` when it is
/// the left sibling. Whether the proof ends exactly at the root.
fn walk<'a>(
    mut fnn: u64,
    mut sn: u64,
    proof: impl IntoIterator<Item = &'a Hash>,
    mut step: impl FnMut(&'a Hash, bool),
) -> bool {
    for p in proof {
        if sn == 0 {
            return false;
        }
        let left = fnn & 1 == 1 || fnn == sn;
        step(p, left);
        if left {
            while fnn & 1 == 0 && fnn != 0 {
                fnn >>= 1;
                sn >>= 1;
            }
        }
        fnn >>= 1;
        sn >>= 1;
    }
    sn == 0
}

/// Verify a consistency proof between a tree of `old` leaves with root
/// `old_root` and a tree of `new` leaves with root `new_root`
/// (RFC 9162 § 2.1.4.2). Equal sizes need an empty proof and equal roots.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut fnn, mut sn) = (old - 1, new - 1);
    while fnn & 1 == 1 {
        fnn >>= 1;
        sn >>= 1;
    }
    let mut fr = *path[0];
    let mut sr = *path[0];
    let complete = walk(fnn, sn, path[1..].iter().copied(), |c, left| {
        if left {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
        } else {
            sr = node_hash(&sr, c);
        }
    });
    complete && fr == *old_root && sr == *new_root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_proofs_and_verifiers_agree_for_small_trees() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = MerkleTree::new();
        let mut c = CompactRange::new();
        for l in &leaves {
            t.push(*l);
            c.push(*l);
            assert_eq!(c.root(), naive_root(&leaves[..t.len() as usize]));
        }
        for n in 1..=70u64 {
            let root = t.root_at(n).expect("root");
            assert_eq!(root, naive_root(&leaves[..n as usize]));
            for i in 0..n {
                let p = t.inclusion_proof(i, n).expect("proof");
                assert!(verify_inclusion(i, n, &leaves[i as usize], &p, &root));
                assert!(!verify_inclusion(i, n, &leaf_hash(b"x"), &p, &root));
            }
            for m in 1..=n {
                let p = t.consistency_proof(m, n).expect("proof");
                let old = t.root_at(m).expect("root");
                assert!(verify_consistency(m, n, &old, &root, &p), "{m} {n}");
                if m < n {
                    assert!(!verify_consistency(m, n, &leaf_hash(b"x"), &root, &p));
                }
            }
        }
    }
}
