import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset
from transformers import PrinterCallback, Trainer, TrainingArguments


class Mnist(Dataset):
    """Stand-in for torchvision MNIST: 1x12x12 images and integer class labels."""

    def __init__(self, n=32):
        g = torch.Generator().manual_seed(1)
        self.images = torch.rand(n, 1, 12, 12, generator=g)
        self.targets = torch.randint(0, 10, (n,), generator=g).tolist()

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, example_idx):
        # returned as a dict so that Trainer can feed it to the model
        img, label = self.images[example_idx], self.targets[example_idx]
        return {"image": img, "label": label}


class Model(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, kernel_size=3)
        self.fc = nn.Linear(4 * 5 * 5, num_classes)

    def forward(self, image, labels=None):
        x = F.max_pool2d(F.relu(self.conv(image)), 2)
        logits = self.fc(x.flatten(1))
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
            return loss, logits
        return (logits,)


def main():
    torch.manual_seed(0)
    model = Model()
    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(
            output_dir=output_dir,
            max_steps=3,
            per_device_train_batch_size=8,
            learning_rate=0.005,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        trainer = Trainer(model=model, args=args, train_dataset=Mnist())
        trainer.remove_callback(PrinterCallback)  # its log lines include timings
        trainer.train()
    for entry in trainer.state.log_history:
        if "loss" in entry:
            print(f"step {entry['step']} loss {entry['loss']:.6f}")


if __name__ == "__main__":
    main()
