import torch

from model import SparseEncoderClassifier


torch.manual_seed(4)
model = SparseEncoderClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
inputs = torch.randn(16, 6)
labels = torch.randint(0, 3, (16,))
held_out, held_out_labels = torch.randn(8, 6), torch.randint(0, 3, (8,))

for epoch in range(4):
    model.train()
    optimizer.zero_grad()
    loss, logits = model(inputs, labels)
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        held_out_loss = model(held_out, held_out_labels)[0].item()
    accuracy = (logits.argmax(-1) == labels).float().mean().item()
    print(f"epoch {epoch} loss {loss.item():.6f} held-out loss {held_out_loss:.6f} accuracy {accuracy:.3f}")
