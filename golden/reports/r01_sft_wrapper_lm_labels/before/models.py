import torch.nn as nn
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel


class LM(nn.Module):
    """Wraps a causal LM and returns the log-probabilities of each next token."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, sequences, attention_mask=None):
        output = self.model(sequences, attention_mask=attention_mask)
        return F.log_softmax(output["logits"], dim=-1)


class GPTLM(LM):
    def __init__(self, config=None):
        if config is None:
            config = GPT2Config()
        super().__init__(GPT2LMHeadModel(config))
