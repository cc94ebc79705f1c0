"""fixlabels: move the loss out of ``nn.Module.forward`` and stop passing ``labels`` where
``forward`` does not take them, keeping every number the program computes the same."""

__version__ = "0.1.0"
