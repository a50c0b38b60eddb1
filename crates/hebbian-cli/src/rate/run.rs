//! Runs a rate-based experiment and writes its outputs.
//!
//! Outputs in the run folder:
//!
//! | file | content |
//! |---|---|
//! | `weights.npy` | final weights, `float64`, shape `(n_post, n_pre)`; row `i` holds the weights onto output `i` |
//! | `snapshots.npz` | `presentation` `(S,)` (`int64`) and `weights` `(S, n_post, n_pre)`, from the initial weights to the final ones |
//! | `trajectories.npz` | `presentation` `(T,)` (`int64`), `eta` `(T,)`, `weight_norm` `(T, n_post)`, and `theta` `(T, n_post)` for BCM |
//! | `eigenvectors.npy`, `eigenvalues.npy` | PCA rules: the leading `n_post` eigenvectors `(n_post, n_pre)` and eigenvalues of the reference matrix |
//! | `summary.json` | every parameter, seed, version, status, metrics, warnings, timings |
//! | `features.png/.svg` | the learned weights as images |
//! | `eigenvectors.png/.svg` | PCA rules: the reference eigenvectors as images |
//! | `weight_norms.png/.svg`, `theta.png/.svg` | trajectories |
//!
//! Outputs and eigenvectors are numbered from 0, like the rows of `weights.npy`.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use hebbian::Error;
use hebbian::linalg::{Eigen, abs_cosine, symmetric_eigen};
use hebbian::metrics::{self, Target};
use hebbian::rate::train::{EtaSchedule, Observer, TrainSettings, train};
use hebbian::rate::{
    Activation, Bcm, DecayForm, Hebb, HebbDecay, Layer, Normalization, Oja, OjaSubspace, RateRule,
    Sanger, WeightInit,
};
use hebbian::rng::{self, streams};
use ndarray::{Array1, Array2, Array3, Axis};
use serde_json::{Value, json};

use super::config::{
    InitKind, NormalizationKind, OnDivergence, RateExperiment, RuleKind, ScheduleKind,
};
use super::stimulus::{self, BuiltStimulus};
use crate::data::DataLocation;
use crate::experiment::{RunOptions, Source};
use crate::output::RunDir;
use crate::plot::{LinePlot, feature_grid};
use crate::progress::Progress;

/// Outcome of a run.
pub enum Outcome {
    /// Training finished.
    Completed,
    /// Training stopped on divergence, as the experiment asked (`on_divergence = "stop"`).
    Stopped,
}

/// Runs `experiment` and writes its outputs. A divergence with `on_divergence = "error"`
/// is returned as an error after the outputs are written.
pub fn run(experiment: &RateExperiment, source: &Source, options: &RunOptions) -> Result<Outcome> {
    let start = Instant::now();
    let location = DataLocation {
        data_dir: options.data_dir.as_deref(),
        source,
    };

    // Stimulus, layer and rule.
    let mut built = stimulus::build(experiment, &location)?;
    let n_pre = built.stimulus.n_inputs();
    let n_post = experiment.layer.n_post;
    let init = weight_init(experiment);
    let weights = init.sample(
        n_post,
        n_pre,
        &mut rng::stream(experiment.seed, streams::INIT),
    )?;
    let mut layer = Layer::new(weights, experiment.layer.activation);
    let mut rule = build_rule(experiment, n_post)?;
    let settings = train_settings(experiment, built.dataset.as_ref().map(|d| d.len()));

    // Train.
    let mut recorder = Recorder::new(&layer, rule.theta(), &settings, experiment, options.quiet);
    let train_start = Instant::now();
    let result = train(
        &mut layer,
        rule.as_mut(),
        built.stimulus.as_mut(),
        &settings,
        &mut recorder,
    );
    let training_time = train_start.elapsed().as_secs_f64();
    recorder.progress.finish();

    let (status, presentations, divergence, input_norms) = match result {
        Ok(report) => {
            let norms =
                json!({ "max": report.max_input_norm_sq, "mean": report.mean_input_norm_sq });
            ("completed", report.presentations, None, norms)
        }
        Err(error @ Error::Diverged { presentation, .. }) => {
            ("diverged", presentation, Some(error), Value::Null)
        }
        Err(other) => return Err(other.into()),
    };
    recorder.record_final(presentations, &layer, rule.as_ref());

    // Metrics and warnings.
    let mut warnings = Vec::new();
    let metrics = evaluate(
        experiment,
        &built,
        &layer,
        rule.as_ref(),
        &recorder,
        divergence.is_some(),
        &mut warnings,
    )?;
    if let Some(error) = &divergence {
        warnings.insert(0, error.to_string());
    }

    // Outputs.
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&experiment.name));
    let mut run_dir = RunDir::create(&out_dir)?;
    write_arrays(&mut run_dir, &layer, &recorder, &metrics)?;
    if experiment.output.figures {
        write_figures(
            &mut run_dir,
            experiment,
            &built,
            &layer,
            &recorder,
            &metrics.eigen,
        )?;
    }
    let summary = json!({
        "experiment": experiment.name,
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": experiment.seed,
        "parameters": parameters_json(experiment, &settings),
        "stimulus": built.info,
        "status": status,
        "presentations": presentations,
        "presentations_planned": settings.presentations,
        "weights_shape": [n_post, n_pre],
        "weights_layout": "W[post, pre]: row i holds the weights onto output i, so y = f(W x)",
        "metrics": metrics.json,
        "input_norm_sq": input_norms,
        "warnings": warnings,
        "training_time_s": training_time,
        "time_per_presentation_us": 1e6 * training_time / presentations.max(1) as f64,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    // Report. A divergence that ends the run with an error is printed once, as the error.
    let returns_error =
        divergence.is_some() && experiment.training.on_divergence == OnDivergence::Error;
    for warning in warnings.iter().skip(usize::from(returns_error)) {
        eprintln!("warning: {warning}");
    }
    if !options.quiet {
        print_report(
            experiment,
            presentations,
            training_time,
            &metrics,
            run_dir.path(),
        );
    }
    match (divergence, experiment.training.on_divergence) {
        (None, _) => Ok(Outcome::Completed),
        (Some(_), OnDivergence::Stop) => Ok(Outcome::Stopped),
        (Some(error), OnDivergence::Error) => Err(anyhow::Error::new(error).context(format!(
            "training of {} stopped; outputs up to that presentation are in {}",
            experiment.name,
            run_dir.path().display()
        ))),
    }
}

fn weight_init(experiment: &RateExperiment) -> WeightInit {
    let init = &experiment.layer.init;
    match init.kind {
        InitKind::Zeros => WeightInit::Zeros,
        InitKind::Constant => WeightInit::Constant {
            value: init.value.unwrap_or(0.0),
        },
        InitKind::Normal => WeightInit::Normal {
            std: init.std.unwrap_or(0.1),
        },
        InitKind::Uniform => WeightInit::Uniform {
            low: init.low.unwrap_or(0.0),
            high: init.high.unwrap_or(1.0),
        },
    }
}

/// Returns `(weight_decay, decay_form)` of Hebb with decay, defaults filled in.
fn decay_parameters(experiment: &RateExperiment) -> (f64, DecayForm) {
    let rule = &experiment.rule;
    (
        rule.weight_decay.unwrap_or(0.01),
        rule.decay_form.unwrap_or(DecayForm::Multiplicative),
    )
}

/// Returns `(theta_init, theta_rate)` of BCM, defaults filled in.
fn bcm_parameters(experiment: &RateExperiment) -> (f64, f64) {
    let rule = &experiment.rule;
    (
        rule.theta_init.unwrap_or(1.0),
        rule.theta_rate.unwrap_or(0.01),
    )
}

fn build_rule(experiment: &RateExperiment, n_post: usize) -> Result<Box<dyn RateRule>> {
    Ok(match experiment.rule.kind {
        RuleKind::Hebb => Box::new(Hebb),
        RuleKind::HebbDecay => {
            let (weight_decay, form) = decay_parameters(experiment);
            Box::new(HebbDecay::new(weight_decay, form)?)
        }
        RuleKind::Oja => Box::new(Oja),
        RuleKind::Sanger => Box::new(Sanger::new()),
        RuleKind::OjaSubspace => Box::new(OjaSubspace::new()),
        RuleKind::Bcm => {
            let (theta_init, theta_rate) = bcm_parameters(experiment);
            Box::new(Bcm::new(n_post, theta_init, theta_rate)?)
        }
    })
}

/// Returns the summary's `parameters`: the keys of the file and of `--set`, without the
/// keys left out, and under `effective` the values the run used, defaults included.
fn parameters_json(experiment: &RateExperiment, settings: &TrainSettings) -> Value {
    let mut written = json!(experiment);
    drop_nulls(&mut written);
    let mut rule = json!({ "kind": experiment.rule.kind, "eta": experiment.rule.eta });
    match experiment.rule.kind {
        RuleKind::HebbDecay => {
            let (weight_decay, form) = decay_parameters(experiment);
            rule["weight_decay"] = json!(weight_decay);
            rule["decay_form"] = json!(form);
        }
        RuleKind::Bcm => {
            let (theta_init, theta_rate) = bcm_parameters(experiment);
            rule["theta_init"] = json!(theta_init);
            rule["theta_rate"] = json!(theta_rate);
        }
        _ => {}
    }
    written["effective"] = json!({
        "layer_init": weight_init(experiment),
        "rule": rule,
        "presentations": settings.presentations,
        "batch_size": settings.batch_size,
        "eta_schedule": settings.eta_schedule,
        "normalization": settings.normalization,
    });
    written
}

/// Removes the null members of every object in `value`.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn train_settings(experiment: &RateExperiment, dataset_len: Option<usize>) -> TrainSettings {
    let t = &experiment.training;
    let presentations = match (t.presentations, t.epochs, dataset_len) {
        (Some(p), _, _) => p,
        (None, Some(epochs), Some(len)) => epochs * len as u64,
        _ => unreachable!("validated: epochs need a data set"),
    };
    let eta_schedule = match t.eta_schedule.kind {
        ScheduleKind::Constant => EtaSchedule::Constant,
        ScheduleKind::Geometric => EtaSchedule::Geometric {
            eta_final: t.eta_schedule.eta_final.unwrap_or(experiment.rule.eta),
        },
        ScheduleKind::Inverse => EtaSchedule::Inverse {
            tau: t.eta_schedule.tau.unwrap_or(1.0),
        },
    };
    let target = experiment.normalization.target;
    let normalization = match experiment.normalization.kind {
        NormalizationKind::None => Normalization::None,
        NormalizationKind::Sum => Normalization::Sum { target },
        NormalizationKind::L2 => Normalization::L2 { target },
    };
    TrainSettings {
        presentations,
        batch_size: t.batch_size,
        eta: experiment.rule.eta,
        eta_schedule,
        normalization,
        divergence_threshold: t.divergence_threshold,
    }
}

/// Records snapshots, trajectories and activity during training.
struct Recorder {
    snapshot_at: Vec<u64>,
    snapshot_presentations: Vec<u64>,
    snapshots: Vec<Array2<f64>>,
    trajectory_every: u64,
    presentations: Vec<u64>,
    norms: Vec<Vec<f64>>,
    theta: Vec<Vec<f64>>,
    eta: Vec<f64>,
    active_count: Vec<u64>,
    observed: u64,
    progress: Progress,
}

impl Recorder {
    fn new(
        layer: &Layer,
        theta: Option<&[f64]>,
        settings: &TrainSettings,
        experiment: &RateExperiment,
        quiet: bool,
    ) -> Self {
        let total = settings.presentations;
        let count = experiment.output.snapshots as u64;
        let snapshot_at = (1..=count)
            .map(|k| (k * total).div_ceil(count.max(1)))
            .collect();
        let points = experiment.output.trajectory_points.max(1) as u64;
        let mut recorder = Recorder {
            snapshot_at,
            snapshot_presentations: vec![0],
            snapshots: vec![layer.weights.clone()],
            trajectory_every: (total / points).max(1),
            presentations: Vec::new(),
            norms: Vec::new(),
            theta: Vec::new(),
            eta: Vec::new(),
            active_count: vec![0; layer.n_post()],
            observed: 0,
            progress: Progress::new(total, quiet, "presentations"),
        };
        recorder.push_trajectory(0, layer, theta, settings.eta);
        recorder
    }

    fn push_trajectory(
        &mut self,
        presentations: u64,
        layer: &Layer,
        theta: Option<&[f64]>,
        eta: f64,
    ) {
        self.presentations.push(presentations);
        self.norms.push(metrics::row_norms(&layer.weights));
        if let Some(theta) = theta {
            self.theta.push(theta.to_vec());
        }
        self.eta.push(eta);
    }

    /// Adds the final state if the last update was not recorded (a divergence, or a
    /// run length that is not a multiple of the recording interval).
    fn record_final(&mut self, presentations: u64, layer: &Layer, rule: &dyn RateRule) {
        if self.presentations.last() != Some(&presentations) {
            let eta = self.eta.last().copied().unwrap_or(0.0);
            self.push_trajectory(presentations, layer, rule.theta(), eta);
        }
        if self.snapshot_presentations.last() != Some(&presentations) {
            self.snapshot_presentations.push(presentations);
            self.snapshots.push(layer.weights.clone());
        }
    }
}

impl Observer for Recorder {
    fn after_update(
        &mut self,
        presentations: u64,
        layer: &Layer,
        rule: &dyn RateRule,
        _x: &[f64],
        y: &[f64],
        eta: f64,
    ) {
        self.observed += 1;
        for (count, &y_i) in self.active_count.iter_mut().zip(y) {
            *count += (y_i > 0.0) as u64;
        }
        if presentations % self.trajectory_every == 0 {
            self.push_trajectory(presentations, layer, rule.theta(), eta);
        }
        if self
            .snapshot_at
            .first()
            .is_some_and(|&t| presentations >= t)
        {
            while self
                .snapshot_at
                .first()
                .is_some_and(|&t| presentations >= t)
            {
                self.snapshot_at.remove(0);
            }
            self.snapshot_presentations.push(presentations);
            self.snapshots.push(layer.weights.clone());
        }
        if presentations % 4096 == 0 {
            self.progress.update(presentations);
        }
    }
}

/// Metrics for the summary, plus the eigen-decomposition for figures and files.
struct Metrics {
    json: Value,
    eigen: Option<Eigen>,
    lines: Vec<String>,
}

/// Relative gap between consecutive eigenvalues below which the first of them gets a
/// warning: its eigenvector is then poorly defined.
const NEAR_EQUAL: f64 = 0.01;

/// Largest input size for which the reference eigen-decomposition is computed.
const MAX_EIGEN_DIM: usize = 4096;

fn evaluate(
    experiment: &RateExperiment,
    built: &BuiltStimulus,
    layer: &Layer,
    rule: &dyn RateRule,
    recorder: &Recorder,
    diverged: bool,
    warnings: &mut Vec<String>,
) -> Result<Metrics> {
    let w = &layer.weights;
    let n_post = layer.n_post();
    let kind = experiment.rule.kind;
    let norms = metrics::row_norms(w);
    let mut json = json!({ "weight_norms": norms });
    let mut lines = Vec::new();

    // From all-zero weights every output is 0, and every rule's change is then 0 too.
    let zero_start = recorder.snapshots[0].iter().all(|&w| w == 0.0);
    if zero_start {
        warnings.push(
            "all initial weights were 0 (layer.init kind = \"zeros\"): every output is then 0, and no \
             rate rule moves weights away from 0 while the outputs are 0, so nothing was learned; use \
             layer.init kind = \"uniform\" or \"normal\""
                .to_string(),
        );
    }

    // A geometric schedule whose final rate exceeds the initial one is accepted, but it
    // may be a swapped pair of values, so it gets a warning.
    let schedule = &experiment.training.eta_schedule;
    if let (ScheduleKind::Geometric, Some(eta_final)) = (schedule.kind, schedule.eta_final)
        && eta_final > experiment.rule.eta
    {
        warnings.push(format!(
            "training.eta_schedule.eta_final = {eta_final} is above rule.eta = {}, so the \
             learning rate grew during the run instead of decaying; swap the two values for \
             a decaying rate",
            experiment.rule.eta
        ));
    }

    // Outputs that never responded (rectified units with w·x < 0 for every input).
    if experiment.layer.activation == Activation::Relu {
        let silent: Vec<usize> = (0..n_post)
            .filter(|&i| recorder.active_count[i] == 0)
            .collect();
        let fraction: Vec<f64> = recorder
            .active_count
            .iter()
            .map(|&c| c as f64 / recorder.observed.max(1) as f64)
            .collect();
        json["fraction_active"] = json!(fraction);
        // after a divergence the counts stop early, and the divergence is the message
        if !zero_start && !diverged && !silent.is_empty() {
            warnings.push(format!(
                "outputs {:?} never had a positive response, so their weights never changed: \
                 with ReLU outputs a unit whose w.x is negative for every input never learns; \
                 use a non-negative initialisation (layer.init kind = \"uniform\" with low = 0) or linear outputs",
                silent
            ));
        }
    }

    // Comparison with the eigenvectors of the input's second moment.
    let mut eigen = None;
    if layer.n_pre() <= MAX_EIGEN_DIM {
        let (matrix, description) = stimulus::reference_matrix(built, experiment)?;
        let decomposition = symmetric_eigen(&matrix)?;
        let k = n_post.min(layer.n_pre());
        json["reference_matrix"] = json!(description);
        json["eigenvalues"] = json!(
            decomposition
                .values
                .iter()
                .take(k.max(1))
                .collect::<Vec<_>>()
        );
        if kind.is_pca() || matches!(kind, RuleKind::Hebb | RuleKind::HebbDecay) {
            let target = if kind == RuleKind::Sanger {
                Target::InOrder
            } else {
                Target::First
            };
            let cosines = metrics::eigenvector_cosines(w, &decomposition, target);
            // An eigenvector whose eigenvalue nearly equals the next one is barely defined:
            // a rule can converge into their common plane with a low |cos| to either.
            let compared = match target {
                Target::InOrder => k,
                Target::First => 1,
            };
            let values = &decomposition.values;
            if let Some(i) = (0..compared.min(values.len().saturating_sub(1)))
                .find(|&i| values[i] > 0.0 && values[i] - values[i + 1] < NEAR_EQUAL * values[i])
            {
                warnings.push(format!(
                    "eigenvalues {i} and {} of the reference matrix are within {}% of each other \
                     ({:.6e} and {:.6e}), so eigenvector {i} is poorly defined and its |cos| \
                     can be low even when the rule has converged; compare the top-{} subspace \
                     instead (rule.kind = \"oja-subspace\" reports the overlap)",
                    i + 1,
                    100.0 * NEAR_EQUAL,
                    values[i],
                    values[i + 1],
                    i + 2
                ));
            }
            json["abs_cos"] = json!(cosines);
            json["abs_cos_target"] = json!(match target {
                Target::InOrder => "eigenvector i for output i (largest eigenvalue first)",
                Target::First => "first eigenvector for every output",
            });
            for (i, cos) in cosines.iter().enumerate() {
                let k = if target == Target::InOrder { i } else { 0 };
                lines.push(format!(
                    "output {i}: |w| = {:.4}, |cos| with eigenvector {k} = {cos:.4}",
                    norms[i]
                ));
            }
        }
        if kind == RuleKind::OjaSubspace {
            let overlap = metrics::principal_subspace_overlap(w, &decomposition);
            json["subspace_overlap"] = json!(overlap);
            lines.push(format!("overlap with the top-{n_post} principal subspace = {overlap:.4} (1 = same subspace)"));
        }
        eigen = Some(decomposition);
    }

    let mut notes = Vec::new();
    if kind.is_pca() && built.mean.is_none() {
        notes.push("input not centred: the PCA rules find eigenvectors of E[x x^T], which differ from the covariance's when the mean is not zero");
    }
    if n_post > 1 {
        let mut pairs = Vec::new();
        for a in 0..n_post {
            for b in a + 1..n_post {
                pairs.push(abs_cosine(&w.row(a).to_vec(), &w.row(b).to_vec()));
            }
        }
        let mean = pairs.iter().sum::<f64>() / pairs.len() as f64;
        json["mean_abs_cos_between_outputs"] = json!(mean);
        lines.push(format!(
            "mean |cos| between outputs = {mean:.4} (0 = orthogonal features, 1 = identical)"
        ));
        if kind == RuleKind::Oja && !diverged {
            warnings.push(format!(
                "Oja's rule trains each of the {n_post} outputs on its own, so those that learn end up \
                 with the same first principal component when trained long enough (mean |cos| between \
                 outputs here: {mean:.3}); use rule.kind = \"sanger\" or \"oja-subspace\" for \
                 distinct components"
            ));
        }
    }
    if matches!(kind, RuleKind::Sanger | RuleKind::OjaSubspace)
        && experiment.layer.activation == Activation::Relu
    {
        notes.push("rectified outputs: Sanger's and the subspace rule converge exactly to principal components only for linear outputs; the cosines are a reference, not a target");
    }
    json["notes"] = json!(notes);

    // BCM: threshold and selectivity.
    if let Some(theta) = rule.theta() {
        json["theta_final"] = json!(theta);
        if let Some((bars, angles)) = &built.clean_bars {
            let patterns: Vec<Vec<f64>> = match &built.mean {
                Some(mean) => bars
                    .iter()
                    .map(|b| b.iter().zip(mean).map(|(v, m)| v - m).collect())
                    .collect(),
                None => bars.clone(),
            };
            let selectivity = metrics::selectivity(layer, &patterns);
            let per_output: Vec<Value> = selectivity
                .iter()
                .map(|s| {
                    json!({
                        "preferred_orientation_deg": angles[s.preferred].to_degrees(),
                        "selectivity": s.index,
                        "responses": s.responses,
                    })
                })
                .collect();
            json["selectivity"] = json!(per_output);
            json["orientations_deg"] =
                json!(angles.iter().map(|a| a.to_degrees()).collect::<Vec<_>>());
            for (i, s) in selectivity.iter().enumerate() {
                lines.push(format!(
                    "output {i}: prefers {:.1} deg, selectivity 1 - mean/max = {:.3}, theta = {:.4}",
                    angles[s.preferred].to_degrees(),
                    s.index,
                    theta[i]
                ));
            }
        }
    }
    if !kind.is_pca()
        && !matches!(kind, RuleKind::Hebb | RuleKind::HebbDecay)
        && rule.theta().is_none()
    {
        for (i, n) in norms.iter().enumerate() {
            lines.push(format!("output {i}: |w| = {n:.4e}"));
        }
    }
    Ok(Metrics { json, eigen, lines })
}

fn write_arrays(
    run_dir: &mut RunDir,
    layer: &Layer,
    recorder: &Recorder,
    metrics: &Metrics,
) -> Result<()> {
    run_dir.npy("weights.npy", &layer.weights)?;

    let (n_post, n_pre) = layer.weights.dim();
    let mut stacked = Array3::<f64>::zeros((recorder.snapshots.len(), n_post, n_pre));
    for (k, snapshot) in recorder.snapshots.iter().enumerate() {
        stacked.index_axis_mut(Axis(0), k).assign(snapshot);
    }
    // presentation counts are int64, as indices are everywhere in the outputs
    let counts = |values: &[u64]| Array1::from_iter(values.iter().map(|&p| p as i64));
    let presentations = counts(&recorder.snapshot_presentations);
    run_dir.npz_with("snapshots.npz", |npz| {
        npz.add_array("presentation", &presentations)?;
        npz.add_array("weights", &stacked)?;
        Ok(())
    })?;

    let t = counts(&recorder.presentations);
    let to_matrix =
        |rows: &[Vec<f64>]| Array2::from_shape_fn((rows.len(), n_post), |(r, i)| rows[r][i]);
    let eta = Array1::from(recorder.eta.clone());
    let norms = to_matrix(&recorder.norms);
    let theta = (!recorder.theta.is_empty()
        && recorder.theta.len() == recorder.presentations.len())
    .then(|| to_matrix(&recorder.theta));
    run_dir.npz_with("trajectories.npz", |npz| {
        npz.add_array("presentation", &t)?;
        npz.add_array("eta", &eta)?;
        npz.add_array("weight_norm", &norms)?;
        if let Some(theta) = &theta {
            npz.add_array("theta", theta)?;
        }
        Ok(())
    })?;

    if let Some(eigen) = &metrics.eigen {
        let k = n_post.min(eigen.values.len());
        run_dir.npy("eigenvalues.npy", &eigen.values.slice(ndarray::s![..k]))?;
        run_dir.npy(
            "eigenvectors.npy",
            &eigen.vectors.slice(ndarray::s![..k, ..]),
        )?;
    }
    Ok(())
}

fn write_figures(
    run_dir: &mut RunDir,
    experiment: &RateExperiment,
    built: &BuiltStimulus,
    layer: &Layer,
    recorder: &Recorder,
    eigen: &Option<Eigen>,
) -> Result<()> {
    let rule = experiment.rule.kind.as_str();
    if let Some(shape) = built.image_shape {
        let labels: Vec<String> = (0..layer.n_post()).map(|i| format!("output {i}")).collect();
        let title = format!("{}: learned weights ({rule})", experiment.name);
        feature_grid(run_dir, "features", &layer.weights, shape, &title, &labels)
            .context("failed to draw the feature figure")?;
        if let Some(eigen) = eigen
            && experiment.rule.kind.is_pca()
        {
            let k = layer.n_post().min(eigen.values.len());
            let vectors = eigen.vectors.slice(ndarray::s![..k, ..]).to_owned();
            let labels: Vec<String> = (0..k).map(|i| format!("eigenvector {i}")).collect();
            let title = format!("{}: eigenvectors of the reference matrix", experiment.name);
            feature_grid(run_dir, "eigenvectors", &vectors, shape, &title, &labels)?;
        }
    }

    let x: Vec<f64> = recorder.presentations.iter().map(|&p| p as f64).collect();
    let series = |rows: &[Vec<f64>]| -> Vec<(String, Vec<f64>)> {
        (0..layer.n_post())
            .map(|i| (format!("output {i}"), rows.iter().map(|r| r[i]).collect()))
            .collect()
    };
    let growth = recorder
        .norms
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(*v))
        / recorder
            .norms
            .first()
            .map_or(1.0, |r| r.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(*v)));
    LinePlot {
        stem: "weight_norms",
        title: &format!("{}: weight norm per output ({rule})", experiment.name),
        x_label: "presentation",
        y_label: "|w|",
        x: &x,
        series: series(&recorder.norms),
        log_y: growth > 100.0,
        vertical_lines: Vec::new(),
    }
    .write(run_dir)?;
    if !recorder.theta.is_empty() {
        LinePlot {
            stem: "theta",
            title: &format!("{}: BCM threshold theta per output", experiment.name),
            x_label: "presentation",
            y_label: "theta",
            x: &x[x.len() - recorder.theta.len()..],
            series: series(&recorder.theta),
            log_y: false,
            vertical_lines: Vec::new(),
        }
        .write(run_dir)?;
    }
    Ok(())
}

fn print_report(
    experiment: &RateExperiment,
    presentations: u64,
    seconds: f64,
    metrics: &Metrics,
    out: &Path,
) {
    outln!(
        "{}: {} presentations in {:.3} s ({:.3} us per presentation), rule {}, seed {}",
        experiment.name,
        presentations,
        seconds,
        1e6 * seconds / presentations.max(1) as f64,
        experiment.rule.kind.as_str(),
        experiment.seed
    );
    for line in &metrics.lines {
        outln!("  {line}");
    }
    outln!("outputs in {}", out.display());
}
