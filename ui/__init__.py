"""The Streamlit chat app (`streamlit run ui/app.py`): it only talks to `advisor`."""
