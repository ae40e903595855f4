"""Pure Chinese-text libraries (no Rasa imports): normalisation, segmentation, entities."""
