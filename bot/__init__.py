"""Code that runs inside the Rasa server: Chinese text libraries and custom graph components."""
