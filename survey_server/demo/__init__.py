"""The demo data set: a province, its communes and schools, open campaigns, synthetic answers."""
