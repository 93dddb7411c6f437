"""aelab: autoencoder-based anomaly detection, the package behind the aelab course."""

from .detectors import AutoencoderDetector, PCADetector, ReconstructionDetector, load_detector

__all__ = ["AutoencoderDetector", "PCADetector", "ReconstructionDetector", "load_detector"]
__version__ = "0.1.0"
