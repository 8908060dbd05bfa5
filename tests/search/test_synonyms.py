from hall.search.synonyms import expand


def test_seed_synonyms_go_both_ways():
    assert expand("社保") == ["社保", "社会保险"]
    assert "社保" in expand("社会保险")
    assert expand("补领") == ["补领", "补办", "补发"]


def test_a_word_without_synonyms_is_alone():
    assert expand("图书馆") == ["图书馆"]


def test_a_hall_can_add_its_own_synonyms_both_ways():
    extra = {"一网通办": ["政务服务网"]}
    assert expand("一网通办", extra) == ["一网通办", "政务服务网"]
    assert expand("政务服务网", extra) == ["政务服务网", "一网通办"]
    assert expand("社保", extra) == ["社保", "社会保险"]


def test_a_halls_groups_replace_the_seed_groups():
    groups = (("一网通办", "政务服务网"),)

    assert expand("一网通办", groups=groups) == ["一网通办", "政务服务网"]
    assert expand("社保", groups=groups) == ["社保"]  # the seed group is not the hall's
    assert expand("社保", groups=()) == ["社保"]


def test_a_hall_without_its_own_list_gets_the_seed_groups():
    assert expand("社保", groups=None) == ["社保", "社会保险"]
