import torch
from torch.utils.data import DataLoader


class SFTTrainer:
    def __init__(self, model, optimizer, train_dataset, batch_size=4, max_epochs=1):
        self.model = model
        self.optimizer = optimizer
        self.train_dataloader = DataLoader(train_dataset, batch_size=batch_size, shuffle=False)
        self.max_epochs = max_epochs

    def fit(self):
        step = 0
        self.model.train()
        for epoch in range(self.max_epochs):
            for batch in self.train_dataloader:
                prompt_ids = batch["input_ids"]
                p_mask = batch["attention_mask"]
                labels = batch["labels"]
                outputs = self.model(prompt_ids, attention_mask=p_mask, labels=labels)
                loss = outputs.loss
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
                print(f"step {step} loss {loss.item():.6f}")
                step += 1
