"""Reconstruction-error detectors with the scikit-learn outlier-detector API."""

from ._autoencoder import AutoencoderDetector
from ._base import ReconstructionDetector, load_detector
from ._pca import PCADetector

__all__ = ["AutoencoderDetector", "PCADetector", "ReconstructionDetector", "load_detector"]
