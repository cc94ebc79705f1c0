import torch
from torch.utils.data import DataLoader, TensorDataset
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BertConfig,
    EncoderDecoderConfig,
    EncoderDecoderModel,
)


class Seq2SeqModel:
    """A library-style runner: the user names the architecture, the runner builds and trains it."""

    def __init__(self, encoder_decoder_type, vocab_size=40, pad_token_id=0, args=None):
        self.args = {"train_batch_size": 4, "learning_rate": 1e-2, "num_train_epochs": 1}
        self.args.update(args or {})
        self.args["model_type"] = encoder_decoder_type
        self.pad_token_id = pad_token_id
        self.device = torch.device("cpu")
        if encoder_decoder_type in ["bart", "marian"]:
            config = BartConfig(
                vocab_size=vocab_size, d_model=16, encoder_layers=1, decoder_layers=1,
                encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                decoder_ffn_dim=32, max_position_embeddings=32, pad_token_id=pad_token_id,
            )
            self.model = BartForConditionalGeneration(config)
        else:
            sizes = dict(
                vocab_size=vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                intermediate_size=32, max_position_embeddings=32, pad_token_id=pad_token_id,
            )
            config = EncoderDecoderConfig.from_encoder_decoder_configs(
                BertConfig(**sizes), BertConfig(**sizes, is_decoder=True, add_cross_attention=True)
            )
            config.decoder_start_token_id = 2
            config.pad_token_id = pad_token_id
            self.model = EncoderDecoderModel(config=config)

    def train_model(self, source_ids, target_ids):
        source_mask = (source_ids != self.pad_token_id).long()
        dataset = TensorDataset(source_ids, source_mask, target_ids)
        train_dataloader = DataLoader(dataset, batch_size=self.args["train_batch_size"])
        return self.train(train_dataloader)

    def train(self, train_dataloader):
        model = self.model
        model.to(self.device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.args["learning_rate"])
        global_step = 0
        model.train()
        for _ in range(self.args["num_train_epochs"]):
            for batch in train_dataloader:
                inputs = self._get_inputs_dict(batch)
                outputs = model(**inputs)
                # model outputs are always tuple in pytorch-transformers (see doc)
                loss = outputs[0]
                loss.backward()
                optimizer.step()
                model.zero_grad()
                print(f"step {global_step} loss {loss.item():.6f}")
                global_step += 1
        return global_step

    def _get_inputs_dict(self, batch):
        device = self.device
        pad_token_id = self.pad_token_id
        if self.args["model_type"] in ["bart", "marian"]:
            source_ids, source_mask, y = batch
            y_ids = y[:, :-1].contiguous()
            lm_labels = y[:, 1:].clone()
            lm_labels[y[:, 1:] == pad_token_id] = -100
            inputs = {
                "input_ids": source_ids.to(device),
                "attention_mask": source_mask.to(device),
                "decoder_input_ids": y_ids.to(device),
                "labels": lm_labels.to(device),
            }
        else:
            lm_labels = batch[2]
            lm_labels_masked = lm_labels.clone()
            lm_labels_masked[lm_labels_masked == pad_token_id] = -100
            inputs = {
                "input_ids": batch[0].to(device),
                "decoder_input_ids": lm_labels.to(device),
                "labels": lm_labels_masked.to(device),
            }
        return inputs
