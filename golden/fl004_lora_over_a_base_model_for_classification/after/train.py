import torch
from peft import LoraConfig, TaskType, get_peft_model
from transformers import BertConfig, BertForSequenceClassification

torch.manual_seed(0)
num_labels = 3
config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, max_position_embeddings=32, num_labels=num_labels)
base = BertForSequenceClassification(config)
model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_CLS, r=2, target_modules=["query", "value"]))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
ids = torch.randint(0, 50, (4, 8))
y = torch.randint(0, num_labels, (4,))
for step in range(3):
    optimizer.zero_grad()
    loss = model(input_ids=ids, labels=y).loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
