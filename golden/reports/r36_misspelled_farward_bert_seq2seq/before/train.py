import torch
import torch.nn as nn
from transformers import BertConfig, BertModel
from transformers.models.bert.modeling_bert import BertLMPredictionHead


class Seq2SeqModel(nn.Module):
    """BERT as a UniLM-style seq2seq model: source (segment 0) sees itself, target (segment 1) is causal."""

    def __init__(self, config, device):
        super().__init__()
        self.device = device
        self.model = BertModel(config)
        self.decoder = BertLMPredictionHead(config)
        self.decoder.decoder.weight = self.model.embeddings.word_embeddings.weight
        self.vocab_size = config.vocab_size

    def farward(self, indexed_tokens, indexed_segment, labels):
        seq_len = indexed_tokens.shape[1]
        ones = torch.ones((1, 1, seq_len, seq_len), dtype=torch.float32, device=self.device)
        a_mask = ones.tril()
        s_ex12 = indexed_segment.unsqueeze(1).unsqueeze(2).float()
        s_ex13 = indexed_segment.unsqueeze(1).unsqueeze(3).float()
        a_mask = (1.0 - s_ex12) * (1.0 - s_ex13) + s_ex13 * a_mask
        hidden = self.model(indexed_tokens, token_type_ids=indexed_segment, attention_mask=a_mask).last_hidden_state
        predictions = self.decoder(hidden)
        # predict each target token from the position before it
        target_mask = indexed_segment[:, 1:].reshape(-1).float()
        loss = nn.functional.cross_entropy(
            predictions[:, :-1].reshape(-1, self.vocab_size), labels[:, 1:].reshape(-1), reduction="none"
        )
        loss = (loss * target_mask).sum() / target_mask.sum()
        return predictions, loss


torch.manual_seed(0)
device = torch.device("cpu")
config = BertConfig(
    vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
    intermediate_size=32, max_position_embeddings=32,
)
model = Seq2SeqModel(config, device).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
tokens = torch.randint(0, 50, (4, 12))
segments = torch.cat([torch.zeros(4, 6, dtype=torch.long), torch.ones(4, 6, dtype=torch.long)], dim=1)

for step in range(3):
    optimizer.zero_grad()
    _, loss = model(tokens.to(device), segments.to(device), labels=tokens.to(device))
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
