//! Figures in PNG and SVG.

use anyhow::{Result, anyhow};
use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::RunDir;

/// Maps `v` in `[-1, 1]` to a diverging blue–white–red colour (blue negative).
fn diverging(v: f64) -> RGBColor {
    let v = v.clamp(-1.0, 1.0);
    let (white, blue, red) = (
        (247.0, 247.0, 247.0),
        (33.0, 102.0, 172.0),
        (178.0, 24.0, 43.0),
    );
    let (end, t) = if v < 0.0 { (blue, -v) } else { (red, v) };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(
        mix(white.0, end.0),
        mix(white.1, end.1),
        mix(white.2, end.2),
    )
}

/// Colour scale of an image grid.
#[derive(Debug, Clone, Copy)]
pub enum Colours {
    /// Each image on its own symmetric scale `[-max|v|, max|v|]`, blue–white–red, so
    /// zero is white.
    Diverging,
    /// Grey levels: `low` is white and `high` black, like ink on paper.
    Ink { low: f64, high: f64 },
}

/// Draws every row of `weights` as a `shape` image, each with its own symmetric colour
/// scale `[-max|w|, max|w|]` so that zero is white, as PNG and SVG.
pub fn feature_grid(
    run: &mut RunDir,
    stem: &str,
    weights: &Array2<f64>,
    shape: (usize, usize),
    title: &str,
    labels: &[String],
) -> Result<()> {
    let cols = weights.nrows().clamp(1, 8);
    ImageGrid {
        stem,
        title,
        images: weights,
        shape,
        labels,
        cols,
        colours: Colours::Diverging,
        cell: 150,
    }
    .write(run)
}

/// Rows of a matrix drawn as images on a grid, as PNG and SVG.
pub struct ImageGrid<'a> {
    /// File name without extension.
    pub stem: &'a str,
    /// Figure title.
    pub title: &'a str,
    /// One image per row, row-major pixels.
    pub images: &'a Array2<f64>,
    /// `(rows, cols)` of each image.
    pub shape: (usize, usize),
    /// Label above each image; missing labels read "output i".
    pub labels: &'a [String],
    /// Images per grid row.
    pub cols: usize,
    /// Colour scale.
    pub colours: Colours,
    /// Side of one panel in pixels.
    pub cell: u32,
}

impl ImageGrid<'_> {
    /// Writes `stem.png` and `stem.svg`.
    pub fn write(&self, run: &mut RunDir) -> Result<()> {
        let n = self.images.nrows();
        let cols = self.cols.max(1);
        let rows = n.div_ceil(cols);
        let label_height = if self.labels.is_empty() { 4 } else { 24 };
        let size = (
            cols as u32 * self.cell + 20,
            rows as u32 * (self.cell + label_height) + 50,
        );
        run.write_with(&format!("{}.png", self.stem), |p| {
            self.draw(BitMapBackend::new(p, size).into_drawing_area(), cols)
        })?;
        run.write_with(&format!("{}.svg", self.stem), |p| {
            self.draw(SVGBackend::new(p, size).into_drawing_area(), cols)
        })
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>, cols: usize) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
        let (img_rows, img_cols) = self.shape;
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(self.title, ("sans-serif", 20)).map_err(err)?;
        let n = self.images.nrows();
        let grid_rows = n.div_ceil(cols);
        let panels = root.split_evenly((grid_rows, cols));
        for (i, panel) in panels.iter().enumerate().take(n) {
            let row = self.images.row(i);
            let scale = row.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let colour = |v: f64| match self.colours {
                Colours::Diverging => diverging(if scale > 0.0 { v / scale } else { 0.0 }),
                Colours::Ink { low, high } => {
                    let t = ((v - low) / (high - low)).clamp(0.0, 1.0);
                    let level = (255.0 * (1.0 - t)).round() as u8;
                    RGBColor(level, level, level)
                }
            };
            let panel = if self.labels.is_empty() {
                panel.clone()
            } else {
                let label = self
                    .labels
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("output {i}"));
                panel.titled(&label, ("sans-serif", 13)).map_err(err)?
            };
            let (w, h) = panel.dim_in_pixel();
            let side = w.min(h).saturating_sub(6) as f64;
            let px = side / img_cols.max(img_rows) as f64;
            let x0 = (w as f64 - px * img_cols as f64) / 2.0;
            let y0 = (h as f64 - px * img_rows as f64) / 2.0;
            for r in 0..img_rows {
                for c in 0..img_cols {
                    let v = row[r * img_cols + c];
                    let top_left = ((x0 + c as f64 * px) as i32, (y0 + r as f64 * px) as i32);
                    let bottom_right = (
                        (x0 + (c + 1) as f64 * px).ceil() as i32,
                        (y0 + (r + 1) as f64 * px).ceil() as i32,
                    );
                    panel
                        .draw(&Rectangle::new(
                            [top_left, bottom_right],
                            colour(v).filled(),
                        ))
                        .map_err(err)?;
                }
            }
            if let Colours::Ink { .. } = self.colours {
                let frame = (
                    (x0 as i32, y0 as i32),
                    (
                        (x0 + px * img_cols as f64) as i32,
                        (y0 + px * img_rows as f64) as i32,
                    ),
                );
                panel
                    .draw(&Rectangle::new([frame.0, frame.1], RGBColor(180, 180, 180)))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
        Ok(())
    }
}

/// Draws a matrix as a grey heat map with its values written in the cells (dark = high),
/// as PNG and SVG.
pub fn heat_map(
    run: &mut RunDir,
    stem: &str,
    matrix: &Array2<f64>,
    title: &str,
    decimals: usize,
) -> Result<()> {
    let (rows, cols) = matrix.dim();
    let cell = 48u32;
    let size = (
        cols as u32 * cell + 40 + INDEX_STRIP,
        rows as u32 * cell + 70 + INDEX_STRIP,
    );
    run.write_with(&format!("{stem}.png"), |p| {
        draw_heat_map(
            BitMapBackend::new(p, size).into_drawing_area(),
            matrix,
            title,
            decimals,
        )
    })?;
    run.write_with(&format!("{stem}.svg"), |p| {
        draw_heat_map(
            SVGBackend::new(p, size).into_drawing_area(),
            matrix,
            title,
            decimals,
        )
    })
}

/// Width in pixels of the strips with the row and column indices of a heat map.
const INDEX_STRIP: u32 = 24;

fn draw_heat_map<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    matrix: &Array2<f64>,
    title: &str,
    decimals: usize,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 18)).map_err(err)?;
    let root = root.margin(10, 10, 20, 20);
    let (rows, cols) = matrix.dim();

    // Row indices down the left and column indices across the top.
    let strip = INDEX_STRIP as i32;
    let (top, body) = root.split_vertically(strip);
    let (_, column_strip) = top.split_horizontally(strip);
    let (row_strip, root) = body.split_horizontally(strip);
    let index_style = ("sans-serif", 12).into_font().color(&BLACK);
    for (j, area) in column_strip.split_evenly((1, cols)).iter().enumerate() {
        let (w, _) = area.dim_in_pixel();
        area.draw(&Text::new(
            j.to_string(),
            (w as i32 / 2 - 4, 2),
            index_style.clone(),
        ))
        .map_err(err)?;
    }
    for (i, area) in row_strip.split_evenly((rows, 1)).iter().enumerate() {
        let (_, h) = area.dim_in_pixel();
        area.draw(&Text::new(
            i.to_string(),
            (2, h as i32 / 2 - 6),
            index_style.clone(),
        ))
        .map_err(err)?;
    }

    let (low, high) = matrix
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if high > low { high - low } else { 1.0 };
    let panels = root.split_evenly((rows, cols));
    for (k, panel) in panels.iter().enumerate() {
        let v = matrix[[k / cols, k % cols]];
        let t = (v - low) / span;
        let level = (255.0 * (1.0 - t)).round() as u8;
        panel.fill(&RGBColor(level, level, level)).map_err(err)?;
        let (w, h) = panel.dim_in_pixel();
        let text_colour = if t > 0.5 { WHITE } else { BLACK };
        let style = ("sans-serif", 12).into_font().color(&text_colour);
        panel
            .draw(&Text::new(
                format!("{v:.decimals$}"),
                (w as i32 / 2 - 14, h as i32 / 2 - 6),
                style,
            ))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// A line plot of several series against a shared x axis, as PNG and SVG.
pub struct LinePlot<'a> {
    /// File name without extension.
    pub stem: &'a str,
    /// Figure title.
    pub title: &'a str,
    /// x-axis label.
    pub x_label: &'a str,
    /// y-axis label.
    pub y_label: &'a str,
    /// x values.
    pub x: &'a [f64],
    /// `(label, y values)` pairs.
    pub series: Vec<(String, Vec<f64>)>,
    /// Logarithmic y axis (non-positive values are dropped).
    pub log_y: bool,
    /// `(label, x)` of dashed vertical lines across the whole plot, for reference values.
    pub vertical_lines: Vec<(String, f64)>,
}

impl LinePlot<'_> {
    /// Writes `stem.png` and `stem.svg`.
    pub fn write(&self, run: &mut RunDir) -> Result<()> {
        let size = (800, 500);
        run.write_with(&format!("{}.png", self.stem), |p| {
            self.draw(BitMapBackend::new(p, size).into_drawing_area())
        })?;
        run.write_with(&format!("{}.svg", self.stem), |p| {
            self.draw(SVGBackend::new(p, size).into_drawing_area())
        })
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
        root.fill(&WHITE).map_err(err)?;
        let finite = |v: &f64| v.is_finite() && (!self.log_y || *v > 0.0);
        let ys = self
            .series
            .iter()
            .flat_map(|(_, s)| s.iter().copied().filter(finite));
        let (mut y_min, mut y_max) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !y_min.is_finite() {
            (y_min, y_max) = (0.0, 1.0);
        }
        if y_max <= y_min {
            let pad = if y_min == 0.0 { 1.0 } else { y_min.abs() * 0.1 };
            (y_min, y_max) = (y_min - pad, y_max + pad);
        }
        let x_min = self.x.first().copied().unwrap_or(0.0);
        let x_last = self.x.last().copied().unwrap_or(1.0);
        let x_max = if x_last > x_min { x_last } else { x_min + 1.0 };
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70);
        if self.log_y {
            let mut chart = builder
                .build_cartesian_2d(x_min..x_max, (y_min * 0.8..y_max * 1.25).log_scale())
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(self.x_label)
                .y_desc(self.y_label)
                .draw()
                .map_err(err)?;
            self.draw_series_and_legend(&mut chart, &finite)?;
        } else {
            let pad = 0.05 * (y_max - y_min);
            let (low, high) = (y_min - pad, y_max + pad);
            let mut chart = builder
                .build_cartesian_2d(x_min..x_max, low..high)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(self.x_label)
                .y_desc(self.y_label)
                .draw()
                .map_err(err)?;
            for (label, x) in &self.vertical_lines {
                let dashes = DashedLineSeries::new(vec![(*x, low), (*x, high)], 6, 4, BLACK.into());
                chart
                    .draw_series(dashes)
                    .map_err(err)?
                    .label(label)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
            }
            self.draw_series_and_legend(&mut chart, &finite)?;
        }
        root.present().map_err(err)?;
        Ok(())
    }

    /// Draws every series as a line, skipping values `keep` rejects, and the legend box.
    fn draw_series_and_legend<'a, DB, X, Y>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
        keep: &dyn Fn(&f64) -> bool,
    ) -> Result<()>
    where
        DB: DrawingBackend + 'a,
        DB::ErrorType: 'static,
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
        let palette = |k: usize| Palette99::pick(k).to_rgba();
        for (k, (label, s)) in self.series.iter().enumerate() {
            let points = self
                .x
                .iter()
                .copied()
                .zip(s.iter().copied())
                .filter(|(_, y)| keep(y));
            let points: Vec<(f64, f64)> = points.collect();
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    palette(k).stroke_width(2),
                ))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], palette(k)));
            // A different marker shape per series keeps overlapping curves apart. Long
            // trajectories get no markers because they would only add clutter.
            if points.len() <= MAX_MARKED_POINTS {
                let style = palette(k).stroke_width(2);
                match k % 3 {
                    0 => chart
                        .draw_series(points.iter().map(|&p| Circle::new(p, 4, style)))
                        .map_err(err)?,
                    1 => chart
                        .draw_series(points.iter().map(|&p| TriangleMarker::new(p, 5, style)))
                        .map_err(err)?,
                    _ => chart
                        .draw_series(points.iter().map(|&p| Cross::new(p, 4, style)))
                        .map_err(err)?,
                };
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Line plots with at most this many points per series mark every point.
const MAX_MARKED_POINTS: usize = 60;

/// Range of finite values, widened when empty or flat, with 5 % padding.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi <= lo {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo, hi) = (lo - pad, hi + pad);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// A scatter of points and several lines on shared axes, as PNG and SVG.
pub struct Chart<'a> {
    /// File name without extension.
    pub stem: &'a str,
    /// Figure title.
    pub title: &'a str,
    /// x-axis label.
    pub x_label: &'a str,
    /// y-axis label.
    pub y_label: &'a str,
    /// `(label, x, y)` lines; an empty label adds no legend entry.
    pub lines: Vec<(String, Vec<f64>, Vec<f64>)>,
    /// `(label, x, y)` point sets.
    pub points: Vec<(String, Vec<f64>, Vec<f64>)>,
    /// Point size in pixels.
    pub point_size: u32,
    /// `(label, bin edges, heights)` bar sets.
    pub bars: Vec<(String, Vec<f64>, Vec<f64>)>,
    /// Lines drawn in one translucent colour each, without legend (many trajectories).
    pub faint: bool,
}

impl Chart<'_> {
    /// Writes `stem.png` and `stem.svg`.
    pub fn write(&self, run: &mut RunDir) -> Result<()> {
        let size = (900, 520);
        run.write_with(&format!("{}.png", self.stem), |p| {
            self.draw(BitMapBackend::new(p, size).into_drawing_area())
        })?;
        run.write_with(&format!("{}.svg", self.stem), |p| {
            self.draw(SVGBackend::new(p, size).into_drawing_area())
        })
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
        root.fill(&WHITE).map_err(err)?;
        let sets = || self.lines.iter().chain(&self.points);
        let xs = sets()
            .flat_map(|(_, x, _)| x.iter().copied())
            .chain(self.bars.iter().flat_map(|(_, e, _)| e.iter().copied()));
        let ys = sets()
            .flat_map(|(_, _, y)| y.iter().copied())
            .chain(self.bars.iter().flat_map(|(_, _, h)| h.iter().copied()))
            .chain(if self.bars.is_empty() {
                None
            } else {
                Some(0.0)
            });
        let (x_min, x_max) = padded_range(xs);
        let (y_min, y_max) = padded_range(ys);
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_min..x_max, y_min..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()
            .map_err(err)?;
        let palette = |k: usize| Palette99::pick(k).to_rgba();
        let mut legend = false;
        for (k, (label, edges, heights)) in self.bars.iter().enumerate() {
            let colour = palette(k).mix(0.7);
            let rects = heights.iter().enumerate().map(|(b, &h)| {
                Rectangle::new([(edges[b], 0.0), (edges[b + 1], h)], colour.filled())
            });
            let series = chart.draw_series(rects).map_err(err)?;
            if !label.is_empty() {
                legend = true;
                series.label(label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], palette(k).filled())
                });
            }
        }
        for (k, (label, x, y)) in self.lines.iter().enumerate() {
            let colour = if self.faint {
                palette(k).mix(0.35)
            } else {
                palette(k)
            };
            let points = x
                .iter()
                .copied()
                .zip(y.iter().copied())
                .filter(|(a, b)| a.is_finite() && b.is_finite());
            let series = chart
                .draw_series(LineSeries::new(
                    points,
                    colour.stroke_width(if self.faint { 1 } else { 2 }),
                ))
                .map_err(err)?;
            if !label.is_empty() && !self.faint {
                legend = true;
                series
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], palette(k)));
            }
        }
        for (k, (label, x, y)) in self.points.iter().enumerate() {
            // the first point set (spikes, measured data) is black, others take the palette
            let colour = if k == 0 {
                BLACK.to_rgba()
            } else {
                palette(k + self.lines.len()).to_rgba()
            };
            let size = self.point_size;
            let points = x
                .iter()
                .copied()
                .zip(y.iter().copied())
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(move |p| Circle::new(p, size, colour.filled()));
            let series = chart.draw_series(points).map_err(err)?;
            if !label.is_empty() {
                legend = true;
                series
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + 6, y), 4, colour.filled()));
            }
        }
        if legend {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
        Ok(())
    }
}
