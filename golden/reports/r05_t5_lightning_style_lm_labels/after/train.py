import torch
from torch import nn
from transformers import T5Config, T5ForConditionalGeneration

PAD = 0


class T5FineTuner(nn.Module):
    """Written the LightningModule way (forward, _step, training_step, configure_optimizers)."""

    def __init__(self, hparams):
        super().__init__()
        self.hparams = hparams
        config = T5Config(
            vocab_size=hparams["vocab_size"],
            d_model=16,
            d_kv=8,
            d_ff=32,
            num_layers=1,
            num_decoder_layers=1,
            num_heads=2,
            pad_token_id=PAD,
            decoder_start_token_id=PAD,
        )
        self.model = T5ForConditionalGeneration(config)

    def forward(self, input_ids, attention_mask=None, decoder_input_ids=None, decoder_attention_mask=None, lm_labels=None):
        return self.model(
            input_ids,
            attention_mask=attention_mask,
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=decoder_attention_mask,
            labels=lm_labels,
        )

    def _step(self, batch):
        lm_labels = batch["target_ids"].clone()
        lm_labels[lm_labels[:, :] == PAD] = -100
        outputs = self(
            input_ids=batch["source_ids"],
            attention_mask=batch["source_mask"],
            lm_labels=lm_labels,
            decoder_attention_mask=batch["target_mask"],
        )
        loss = outputs[0]
        return loss

    def training_step(self, batch, batch_idx):
        loss = self._step(batch)
        return {"loss": loss}

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=self.hparams["learning_rate"])


def make_batches(n_batches=3, batch_size=4, src_len=10, tgt_len=6, vocab_size=40):
    batches = []
    for _ in range(n_batches):
        source_ids = torch.randint(2, vocab_size, (batch_size, src_len))
        source_mask = torch.ones_like(source_ids)
        source_mask[:, -3:] = 0
        source_ids[source_mask == 0] = PAD
        target_ids = torch.randint(2, vocab_size, (batch_size, tgt_len))
        target_mask = torch.ones_like(target_ids)
        target_mask[:, -2:] = 0
        target_ids[target_mask == 0] = PAD
        batches.append(
            {"source_ids": source_ids, "source_mask": source_mask, "target_ids": target_ids, "target_mask": target_mask}
        )
    return batches


def fit(module, batches):
    # what the Lightning trainer does with the module, shrunk to a plain loop
    optimizer = module.configure_optimizers()
    module.train()
    for step, batch in enumerate(batches):
        loss = module.training_step(batch, step)["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        print(f"step {step} loss {loss.item():.6f}")


def main():
    torch.manual_seed(0)
    hparams = {"vocab_size": 40, "learning_rate": 1e-2}
    model = T5FineTuner(hparams)
    fit(model, make_batches())


if __name__ == "__main__":
    main()
