"""Fine-tunes a conditional BERT (label-conditioned MLM) for data augmentation."""
import torch
from transformers import BertConfig, BertForMaskedLM

import cbert_utils


def main():
    torch.manual_seed(0)
    num_labels = 6
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=32,
    )
    model = BertForMaskedLM(config)
    # conditional BERT: the segment embeddings carry the sentence label
    model.bert.embeddings.token_type_embeddings = torch.nn.Embedding(num_labels, config.hidden_size)
    model.bert.embeddings.token_type_embeddings.weight.data.normal_(mean=0.0, std=0.02)

    train_dataloader = cbert_utils.construct_train_dataloader(
        num_examples=12, num_labels=num_labels, max_seq_length=16, vocab_size=50, batch_size=4,
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()

    for step, batch in enumerate(train_dataloader):
        _, input_ids, input_mask, segment_ids, masked_ids = batch
        optimizer.zero_grad()
        outputs = model(input_ids, input_mask, segment_ids, masked_lm_labels=masked_ids)
        loss = outputs[0]
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
