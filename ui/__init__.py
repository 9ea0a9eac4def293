"""The command line and the Streamlit app: the only layer that speaks to people."""
