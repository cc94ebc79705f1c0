import pytorch_lightning as pl
import torch
from torch import nn


class Tagger(pl.LightningModule):
    def __init__(self, features=8, tags=4):
        super().__init__()
        self.save_hyperparameters()
        self.head = nn.Linear(features, tags)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        logits = self.head(x)
        return logits

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = self.criterion(logits, y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)
