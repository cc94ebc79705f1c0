import torch
import torch.nn as nn
from transformers import BertConfig, BertModel


class EncoderLSTM(nn.Module):
    def __init__(self, num_labels=3):
        super().__init__()
        self.config = BertConfig(
            vocab_size=40, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
            max_position_embeddings=16, num_labels=num_labels,
        )
        self.encoder = BertModel(self.config)
        hidden = self.config.hidden_size
        self.lstm = nn.LSTM(input_size=hidden, hidden_size=hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden * 2, self.config.num_labels)

    def forward(self, input_ids, attention_mask):
        output = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden, (last_hidden, last_cell) = self.lstm(output)
        output = torch.cat((last_hidden[0], last_hidden[1]), dim=1)
        logits = self.fc(output)
        return logits
