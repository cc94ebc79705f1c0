from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F
from transformers import AutoModel
from transformers.utils import ModelOutput


@dataclass
class EmbeddingTrainOutput(ModelOutput):
    loss: Optional[torch.Tensor] = None
    q_reps: Optional[torch.Tensor] = None
    p_reps: Optional[torch.Tensor] = None


class EmbeddingTrainModel(torch.nn.Module):
    """Contrastive trainer around a head-less decoder: mean-pooled embeddings, in-batch negatives."""

    def __init__(self, config, temperature=0.02, normalized=True):
        super().__init__()
        self.model = AutoModel.from_config(config)
        self.temperature = temperature
        self.normalized = normalized

    def pooling(self, hidden_state, attention_mask):
        s = torch.sum(hidden_state * attention_mask.unsqueeze(-1).float(), dim=1)
        d = attention_mask.sum(dim=1, keepdim=True).float()
        return s / d

    def encode(self, features):
        out = self.model(**features)
        reps = self.pooling(out[0], features["attention_mask"])
        if self.normalized:
            reps = F.normalize(reps, dim=-1)
        return reps

    def forward(self, query=None, passage=None):
        q_reps = self.encode(query)
        p_reps = self.encode(passage)
        scores = q_reps @ p_reps.transpose(0, 1) / self.temperature
        group_size = p_reps.size(0) // q_reps.size(0)
        target = torch.arange(q_reps.size(0)) * group_size
        loss = F.cross_entropy(scores, target)
        return EmbeddingTrainOutput(loss=loss, q_reps=q_reps, p_reps=p_reps)
