"""aelab: autoencoder-based anomaly detection, the package behind the aelab course.

The detectors are imported on first use, so ``aelab``'s command line and its grading helpers
start without loading torch.
"""

__all__ = ["AutoencoderDetector", "PCADetector", "ReconstructionDetector", "load_detector"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in __all__:
        from . import detectors

        return getattr(detectors, name)
    raise AttributeError(f"module 'aelab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
