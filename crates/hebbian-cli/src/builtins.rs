//! The built-in experiments, embedded from the files in `examples/`.

/// A built-in experiment.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Name given to `hebbian run`.
    pub name: &'static str,
    /// The experiment file.
    pub toml: &'static str,
}

/// Every built-in experiment, in the order `hebbian list` prints them.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "oriented-bars",
        toml: include_str!("../../../examples/oriented-bars.toml"),
    },
    Builtin {
        name: "oriented-bars-sanger",
        toml: include_str!("../../../examples/oriented-bars-sanger.toml"),
    },
    Builtin {
        name: "bcm-selectivity",
        toml: include_str!("../../../examples/bcm-selectivity.toml"),
    },
    Builtin {
        name: "hebb-runaway",
        toml: include_str!("../../../examples/hebb-runaway.toml"),
    },
    Builtin {
        name: "mnist-pca",
        toml: include_str!("../../../examples/mnist-pca.toml"),
    },
    Builtin {
        name: "natural-image-pca",
        toml: include_str!("../../../examples/natural-image-pca.toml"),
    },
    Builtin {
        name: "tutorial-stdp",
        toml: include_str!("../../../examples/tutorial-stdp.toml"),
    },
    Builtin {
        name: "song2000",
        toml: include_str!("../../../examples/song2000.toml"),
    },
    Builtin {
        name: "stdp-window",
        toml: include_str!("../../../examples/stdp-window.toml"),
    },
    Builtin {
        name: "hopfield-capacity",
        toml: include_str!("../../../examples/hopfield-capacity.toml"),
    },
    Builtin {
        name: "hopfield-mnist",
        toml: include_str!("../../../examples/hopfield-mnist.toml"),
    },
    Builtin {
        name: "competitive-mnist",
        toml: include_str!("../../../examples/competitive-mnist.toml"),
    },
    Builtin {
        name: "som-mnist",
        toml: include_str!("../../../examples/som-mnist.toml"),
    },
    Builtin {
        name: "diehl-cook",
        toml: include_str!("../../../examples/diehl-cook.toml"),
    },
];

/// Finds a built-in by name.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// Names of all built-ins.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.name).collect()
}

/// Returns the `description` line of a built-in.
pub fn description(builtin: &Builtin) -> String {
    toml::from_str::<toml::Table>(builtin.toml)
        .ok()
        .and_then(|t| {
            t.get("description")
                .and_then(|d| d.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}
