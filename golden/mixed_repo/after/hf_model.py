import torch.nn as nn
from transformers import BertModel, BertPreTrainedModel


class BertWithHead(BertPreTrainedModel):
    """A correct Hugging Face model: it takes labels and computes its loss, as HF models do."""

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, labels=None):
        pooled = self.bert(input_ids, attention_mask=attention_mask).pooler_output
        logits = self.classifier(pooled)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return (loss, logits) if loss is not None else (logits,)
