import pytorch_lightning as pl
import torch
from torch import nn


class Tagger(pl.LightningModule):
    def __init__(self, features=8, tags=4):
        super().__init__()
        self.save_hyperparameters()
        self.head = nn.Linear(features, tags)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, labels=None):
        logits = self.head(x)
        loss = None
        if labels is not None:
            loss = self.criterion(logits, labels)
        return loss, logits

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss, _ = self(x, y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
