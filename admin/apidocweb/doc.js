// Filters the API list and sections by the text typed in #filter.
document.addEventListener("DOMContentLoaded", function () {
  var f = document.getElementById("filter");
  if (!f) return;
  f.addEventListener("input", function () {
    var q = f.value.toLowerCase();
    document.querySelectorAll(".api, .api-name").forEach(function (el) {
      el.hidden = q !== "" && el.textContent.toLowerCase().indexOf(q) < 0;
    });
  });
});
