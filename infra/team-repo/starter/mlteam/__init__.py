"""The team's training code: config, data, model, reproducibility, provenance and tracking."""
