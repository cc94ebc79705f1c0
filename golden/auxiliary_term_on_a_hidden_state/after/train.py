import torch

from model import SparseEncoderClassifier
import torch.nn.functional as F


torch.manual_seed(4)
model = SparseEncoderClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
inputs = torch.randn(16, 6)
labels = torch.randint(0, 3, (16,))
held_out, held_out_labels = torch.randn(8, 6), torch.randint(0, 3, (8,))

for epoch in range(4):
    model.train()
    optimizer.zero_grad()
    logits, code = model(inputs)
    loss = F.cross_entropy(logits, labels) + model.sparsity * code.abs().mean()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        logits_2, code_2 = model(held_out)
        held_out_loss = (F.cross_entropy(logits_2, held_out_labels) + model.sparsity * code_2.abs().mean()).item()
    accuracy = (logits.argmax(-1) == labels).float().mean().item()
    print(f"epoch {epoch} loss {loss.item():.6f} held-out loss {held_out_loss:.6f} accuracy {accuracy:.3f}")
