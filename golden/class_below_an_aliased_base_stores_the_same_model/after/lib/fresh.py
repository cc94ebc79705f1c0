from lib import models
from lib.bases import Resumable


class FreshStart(Resumable):
    def __init__(self):
        super().__init__()
        # Stored below the aliased base, in another module: the same model class, so the
        # inherited step's call is rewritten with the rest.
        self.model = models.Tagger()
