//! Second-moment matrices and their eigen-decomposition.
//!
//! The symmetric eigen-solver is faer's (a divide-and-conquer tridiagonal solver), used to
//! check what the PCA rules learn.

use faer::{Mat, Side};
use ndarray::{Array1, Array2};

use crate::error::{Error, Result};
use crate::stimulus::Dataset;

/// `E[(x − m)(x − m)ᵀ]` over a data set, where `m` is `offset` (the mean for a covariance,
/// `None` for the raw second moment `E[x xᵀ]`).
///
/// The sum is accumulated in blocks of rows with faer's matrix product.
pub fn second_moment(data: &Dataset, offset: Option<&[f64]>) -> Array2<f64> {
    let dim = data.dim();
    let block_rows = 4096.min(data.len());
    let mut sum = Mat::<f64>::zeros(dim, dim);
    let mut block = Mat::<f64>::zeros(block_rows, dim);
    let mut start = 0;
    while start < data.len() {
        let rows = block_rows.min(data.len() - start);
        for r in 0..rows {
            let sample = data.sample(start + r);
            for j in 0..dim {
                let m = offset.map_or(0.0, |o| o[j]);
                block[(r, j)] = sample[j] as f64 - m;
            }
        }
        let b = block.as_ref().subrows(0, rows);
        // sum += bᵀ b
        faer::linalg::matmul::matmul(
            sum.as_mut(),
            faer::Accum::Add,
            b.transpose(),
            b,
            1.0,
            faer::get_global_parallelism(),
        );
        start += rows;
    }
    let n = data.len() as f64;
    Array2::from_shape_fn((dim, dim), |(i, j)| sum[(i, j)] / n)
}

/// Second moment of `samples` row-major vectors of length `dim`.
pub fn second_moment_of(samples: &[f64], dim: usize) -> Array2<f64> {
    let n = samples.len() / dim;
    let b = Mat::<f64>::from_fn(n, dim, |r, j| samples[r * dim + j]);
    let product = b.transpose() * &b;
    Array2::from_shape_fn((dim, dim), |(i, j)| product[(i, j)] / n as f64)
}

/// Eigen-decomposition of a symmetric matrix, eigenvalues in decreasing order.
#[derive(Debug, Clone)]
pub struct Eigen {
    /// Eigenvalues, largest first.
    pub values: Array1<f64>,
    /// Unit eigenvectors as rows, in the order of `values`: shape `(n, n)`.
    pub vectors: Array2<f64>,
}

/// Decomposes the symmetric matrix `c`.
pub fn symmetric_eigen(c: &Array2<f64>) -> Result<Eigen> {
    let n = c.nrows();
    if c.ncols() != n {
        return Err(Error::ShapeMismatch {
            context: "eigen-decomposition: a square matrix",
            expected: format!("{n} x {n}"),
            got: format!("{} x {}", n, c.ncols()),
        });
    }
    let m = Mat::<f64>::from_fn(n, n, |i, j| c[[i, j]]);
    let evd = m.self_adjoint_eigen(Side::Lower).map_err(|e| {
        Error::invalid_parameter(
            "eigen-decomposition",
            "matrix",
            "decomposable",
            format!("{e:?}"),
        )
    })?;
    let (s, u) = (evd.S(), evd.U());
    // faer sorts eigenvalues in increasing order.
    let values = Array1::from_shape_fn(n, |k| s[n - 1 - k]);
    let vectors = Array2::from_shape_fn((n, n), |(k, j)| u[(j, n - 1 - k)]);
    Ok(Eigen { values, vectors })
}

/// `|cos|` of the angle between two vectors; 0 when either is zero.
pub fn abs_cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(p, q)| p * q).sum();
    let na: f64 = a.iter().map(|p| p * p).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|q| q * q).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na * nb)).abs()
    }
}

/// Overlap of the row spaces of `w` `(k, n)` and the first `k` rows of `basis`:
/// the mean squared cosine of the principal angles, `‖Q_B Q_Wᵀ‖_F² / k`. It is 1 when
/// the spaces coincide and `k/n` on average for a random subspace.
pub fn subspace_overlap(w: &Array2<f64>, basis: &Array2<f64>) -> f64 {
    let k = w.nrows();
    let n = w.ncols();
    let q = orthonormal_rows(w);
    let mut total = 0.0;
    for a in 0..k {
        for b in 0..q.nrows() {
            let d: f64 = (0..n).map(|j| basis[[a, j]] * q[[b, j]]).sum();
            total += d * d;
        }
    }
    total / k as f64
}

/// Orthonormal basis of the row space of `w` by modified Gram–Schmidt; rows that are
/// numerically dependent are dropped.
fn orthonormal_rows(w: &Array2<f64>) -> Array2<f64> {
    let n = w.ncols();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for r in w.rows() {
        let mut v: Vec<f64> = r.to_vec();
        for q in &rows {
            let d: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-12 {
            v.iter_mut().for_each(|a| *a /= norm);
            rows.push(v);
        }
    }
    let count = rows.len();
    Array2::from_shape_vec((count, n), rows.concat()).expect("rows have length n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_diagonal_sorted() {
        let c = Array2::from_diag(&Array1::from(vec![0.5, 2.0, 1.0]));
        let e = symmetric_eigen(&c).unwrap();
        assert_eq!(e.values.to_vec(), vec![2.0, 1.0, 0.5]);
        assert!(
            (abs_cosine(e.vectors.row(0).as_slice().unwrap(), &[0.0, 1.0, 0.0]) - 1.0).abs()
                < 1e-12
        );
    }

    #[test]
    fn subspace_overlap_rotation_invariant() {
        let basis = Array2::eye(3);
        let w = ndarray::array![[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]];
        assert!((subspace_overlap(&w, &basis) - 1.0).abs() < 1e-12);
        let w = ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
        assert!((subspace_overlap(&w, &basis) - 0.5).abs() < 1e-12);
    }
}
