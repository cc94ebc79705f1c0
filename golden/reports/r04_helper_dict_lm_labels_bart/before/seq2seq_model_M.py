import torch
from transformers import BartConfig, BartForConditionalGeneration


class Seq2SeqModel:
    def __init__(self, vocab_size=40, pad_token_id=1, lr=0.01):
        config = BartConfig(
            vocab_size=vocab_size,
            d_model=16,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=32,
            decoder_ffn_dim=32,
            max_position_embeddings=32,
            pad_token_id=pad_token_id,
            bos_token_id=0,
            eos_token_id=2,
            decoder_start_token_id=2,
        )
        self.model = BartForConditionalGeneration(config)
        self.pad_token_id = pad_token_id
        self.lr = lr

    def _get_inputs_dict(self, batch):
        pad_token_id = self.pad_token_id
        source_ids, source_mask, y = batch["source_ids"], batch["source_mask"], batch["target_ids"]
        y_ids = y[:, :-1].contiguous()
        lm_labels = y[:, 1:].clone()
        lm_labels[y[:, 1:] == pad_token_id] = -100

        inputs = {
            "input_ids": source_ids,
            "attention_mask": source_mask,
            "decoder_input_ids": y_ids,
            "lm_labels": lm_labels,
        }
        return inputs

    def train_model(self, train_batches):
        model = self.model
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr)
        for step, batch in enumerate(train_batches):
            inputs = self._get_inputs_dict(batch)
            outputs = model(**inputs)
            loss = outputs[0]
            loss.backward()
            optimizer.step()
            model.zero_grad()
            print(f"step {step} loss {loss.item():.6f}")
